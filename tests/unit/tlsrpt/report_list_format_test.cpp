// `stsrelay report list` formats: the text table with one line per destination, and the JSON
// array read back with Boost.JSON.
#include "tlsrpt/report_list_format.hpp"

#include <gtest/gtest.h>

#include <boost/json.hpp>

namespace stsrelay::tlsrpt {
namespace {

namespace json = boost::json;

const core::SysTime kT0 = core::from_unix(1726446600);  // 2024-09-16T00:30:00Z
const Day kDay = utc_day(core::from_unix(1726358400));  // 2024-09-15

std::vector<ReportListing> sample() {
  ReportListing a{StoredReport{"2024-09-15.example.net.00ff@example.org", kDay, "example.net", "",
                               kT0},
                  {}};
  a.deliveries.push_back(ReportDelivery{a.report.id, "https://r.example.net/v1",
                                        DeliveryState::pending, 2, kT0, kT0 + std::chrono::minutes(10),
                                        "HTTP 503\r\nInjected: x"});
  a.deliveries.push_back(ReportDelivery{a.report.id, "mailto:tlsrpt@example.net",
                                        DeliveryState::sent, 1, kT0, kT0, ""});
  ReportListing b{StoredReport{"2024-09-15.example.com.0a0a@example.org", kDay, "example.com", "",
                               kT0},
                  {}};
  return {a, b};
}

TEST(ReportListFormat, Text) {
  const std::string text = format_report_list_text(sample());
  const std::string want =
      "DAY         DOMAIN       REPORT-ID                                CREATED\n"
      "2024-09-15  example.net  2024-09-15.example.net.00ff@example.org  2024-09-16T00:30:00Z\n"
      "    https://r.example.net/v1  pending attempts=2 next=2024-09-16T00:40:00Z "
      "error=\"HTTP 503??Injected: x\"\n"
      "    mailto:tlsrpt@example.net  sent attempts=1\n"
      "2024-09-15  example.com  2024-09-15.example.com.0a0a@example.org  2024-09-16T00:30:00Z\n"
      "    (no rua destinations)\n";
  EXPECT_EQ(text, want);
  EXPECT_EQ(format_report_list_text({}), "No TLS-RPT reports\n");
}

TEST(ReportListFormat, Json) {
  const json::array a = json::parse(format_report_list_json(sample())).as_array();
  ASSERT_EQ(a.size(), 2u);
  const json::object& r = a[0].as_object();
  EXPECT_EQ(r.at("id").as_string(), "2024-09-15.example.net.00ff@example.org");
  EXPECT_EQ(r.at("day").as_string(), "2024-09-15");
  EXPECT_EQ(r.at("domain").as_string(), "example.net");
  EXPECT_EQ(r.at("created_at").as_string(), "2024-09-16T00:30:00Z");
  const json::array& d = r.at("destinations").as_array();
  ASSERT_EQ(d.size(), 2u);
  EXPECT_EQ(d[0].at("uri").as_string(), "https://r.example.net/v1");
  EXPECT_EQ(d[0].at("state").as_string(), "pending");
  EXPECT_EQ(d[0].at("attempts").as_int64(), 2);
  EXPECT_EQ(d[0].at("next_attempt_at").as_string(), "2024-09-16T00:40:00Z");
  EXPECT_EQ(d[0].at("last_error").as_string(), "HTTP 503\r\nInjected: x");  // JSON escapes it
  EXPECT_EQ(d[1].at("state").as_string(), "sent");
  EXPECT_TRUE(a[1].at("destinations").as_array().empty());
  EXPECT_EQ(format_report_list_json({}), "[]\n");
}

}  // namespace
}  // namespace stsrelay::tlsrpt
