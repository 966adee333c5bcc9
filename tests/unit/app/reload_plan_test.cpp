// SIGHUP: which changes apply at once and which wait for a restart.
#include "src/app/config/reload_plan.hpp"

#include <gtest/gtest.h>

namespace stsrelay::app {
namespace {

TEST(PlanReload, Table) {
  struct Row {
    const char* name;
    void (*change)(Config&);
    std::vector<std::string> restart_required;
  };
  const std::vector<Row> rows = {
      {"nothing changed", [](Config&) {}, {}},
      {"limits apply at once", [](Config& c) { c.server.max_recipients = 5; }, {}},
      {"listeners apply at once", [](Config& c) { c.server.listen = {"127.0.0.1:2626"}; }, {}},
      {"log level applies at once", [](Config& c) { c.log.level = "debug"; }, {}},
      {"overrides apply at once",
       [](Config& c) { c.sts.overrides["example.com"] = sts::LocalEnforcement::off; }, {}},
      {"state_dir waits", [](Config& c) { c.queue.state_dir = "/elsewhere"; },
       {"queue.state_dir"}},
      {"log format waits", [](Config& c) { c.log.format = core::LogFormat::json; },
       {"log.format"}},
      {"delivery settings apply at once",
       [](Config& c) {
         c.delivery.concurrency = 3;
         c.delivery.dry_run = true;
         c.queue.retry_schedule = {std::chrono::seconds(1)};
       },
       {}},
      {"dns servers wait", [](Config& c) { c.delivery.dns_servers = {"127.0.0.53"}; },
       {"delivery.dns_servers"}},
      {"dns limits wait",
       [](Config& c) {
         c.delivery.dns_timeout = std::chrono::seconds(1);
         c.delivery.dns_tries = 1;
       },
       {"delivery.dns_timeout", "delivery.dns_tries"}},
      {"local enforcement applies at once",
       [](Config& c) { c.sts.enforcement = sts::LocalEnforcement::testing; }, {}},
      {"policy fetch limits wait",
       [](Config& c) {
         c.sts.fetch_timeout = std::chrono::seconds(5);
         c.sts.max_policy_size = 1024;
       },
       {"sts.fetch_timeout", "sts.max_policy_size"}},
  };
  const Config running;
  for (const Row& row : rows) {
    SCOPED_TRACE(row.name);
    Config loaded;
    row.change(loaded);
    const ReloadPlan plan = plan_reload(running, loaded);
    EXPECT_EQ(plan.restart_required, row.restart_required);
    // What waits for a restart keeps its running value; everything else is the loaded one.
    Config expected = loaded;
    expected.queue.state_dir = running.queue.state_dir;
    expected.log.format = running.log.format;
    expected.delivery.dns_servers = running.delivery.dns_servers;
    expected.delivery.dns_timeout = running.delivery.dns_timeout;
    expected.delivery.dns_tries = running.delivery.dns_tries;
    expected.sts.fetch_timeout = running.sts.fetch_timeout;
    expected.sts.max_policy_size = running.sts.max_policy_size;
    EXPECT_EQ(plan.next, expected);
  }
}

}  // namespace
}  // namespace stsrelay::app
