// `stsrelay cluster status`: the fleet as the shared database sees it.
#include "src/app/cli/cluster_status_format.hpp"

#include <gtest/gtest.h>

namespace stsrelay::app {
namespace {

TEST(ClusterStatusFormat, Unreachable) {
  ClusterStatus s;
  s.target = "host=db.test port=5432 dbname=stsrelay";
  s.error = "connection refused";
  EXPECT_EQ(format_cluster_status(s),
            "database: postgresql host=db.test port=5432 dbname=stsrelay: unreachable: "
            "connection refused\n");
}

TEST(ClusterStatusFormat, NodesAndLeases) {
  ClusterStatus s;
  s.target = "host=db.test";
  s.schema_version = 4;
  s.nodes = {{"relay-a", "1.2.3", 4, 0, "2026-12-07 10:00:00+00"},
             {"relay-b", "1.2.3", 91, 7, "2026-12-07 09:00:00+00"}};
  s.refresh_leases = {{"enforce.test", "relay-a", describe_lease_left(540)}};
  s.report_leases = {
      {"2026-12-06 enforce.test", "relay-b", describe_report_lease("sent", "", -3600)},
      {"2026-12-06 nopolicy.test", "relay-a",
       describe_report_lease("built", "2026-12-07 00:35:00 UTC", -20)}};
  EXPECT_EQ(format_cluster_status(s),
            "database: postgresql host=db.test: reachable, schema version 4\n"
            "nodes (2):\n"
            "  relay-a  alive  version 1.2.3  heartbeat 4s ago  spool 0 batches  started "
            "2026-12-07 10:00:00+00\n"
            "  relay-b  silent  version 1.2.3  heartbeat 91s ago  spool 7 batches  started "
            "2026-12-07 09:00:00+00\n"
            "mta-sts refresh leases (1):\n"
            "  enforce.test  relay-a  expires in 540s\n"
            "tls-rpt report leases (2):\n"
            "  2026-12-06 enforce.test  relay-b  sent\n"
            "  2026-12-06 nopolicy.test  relay-a  built, until 2026-12-07 00:35:00 UTC "
            "(expired 20s ago)\n");
}

TEST(ClusterStatusFormat, EmptySchema) {
  ClusterStatus s;
  s.target = "host=db.test";
  EXPECT_NE(format_cluster_status(s).find("schema version 0 (no node has started"),
            std::string::npos);
}

TEST(ClusterStatusFormat, ReportLease) {
  EXPECT_EQ(describe_report_lease("sent", "2026-12-07 00:35:00 UTC", 100), "sent");
  EXPECT_EQ(describe_report_lease("building", "2026-12-07 00:35:00 UTC", 300),
            "building, until 2026-12-07 00:35:00 UTC (expires in 300s)");
}

TEST(ClusterStatusFormat, LeaseLeft) {
  EXPECT_EQ(describe_lease_left(1), "expires in 1s");
  EXPECT_EQ(describe_lease_left(0), "expired 0s ago");
  EXPECT_EQ(describe_lease_left(-20), "expired 20s ago");
}

}  // namespace
}  // namespace stsrelay::app
