#include "src/app/metrics_text.hpp"

#include <gtest/gtest.h>

namespace stsrelay::app {
namespace {

TEST(MetricsText, EveryFamilyHasHelpAndTypeAndSamples) {
  MetricsSnapshot s;
  s.active_connections = 3;
  s.connections_total = 10;
  s.messages_accepted = 7;
  s.recipients_by_state = {{"deferred", 2}, {"queued", 5}};
  s.attempts[{"sent", "verified", "enforce"}] = 4;
  s.attempts[{"deferred", "unverified", "no-policy"}] = 1;
  s.policy_fetches = 6;
  const std::string text = render_metrics(s);
  const char* expected[] = {
      "# HELP stsrelay_smtp_connections_active SMTP client connections open now.\n"
      "# TYPE stsrelay_smtp_connections_active gauge\nstsrelay_smtp_connections_active 3\n",
      "# TYPE stsrelay_smtp_connections_total counter\nstsrelay_smtp_connections_total 10\n",
      "stsrelay_messages_accepted_total 7\n",
      "stsrelay_queue_recipients{state=\"deferred\"} 2\n",
      "stsrelay_queue_recipients{state=\"queued\"} 5\n",
      "stsrelay_delivery_attempts_total{status=\"sent\",tls=\"verified\",policy=\"enforce\"} 4\n",
      "stsrelay_delivery_attempts_total{status=\"deferred\",tls=\"unverified\",policy=\"no-policy\"} 1\n",
      "stsrelay_sts_policy_fetches_total 6\n",
  };
  for (const char* line : expected) {
    EXPECT_NE(text.find(line), std::string::npos) << line;
  }
  EXPECT_EQ(text.back(), '\n');
}

TEST(MetricsText, LabelValuesAreEscaped) {
  EXPECT_EQ(escape_label("plain"), "plain");
  EXPECT_EQ(escape_label("a\"b"), "a\\\"b");
  EXPECT_EQ(escape_label("a\\b"), "a\\\\b");
  EXPECT_EQ(escape_label("a\nb"), "a\\nb");
}

TEST(MetricsText, HealthIsTheAndOfItsChecks) {
  struct Row {
    const char* name;
    std::vector<HealthCheck> checks;
    bool healthy;
    std::string body;
  };
  const Row rows[] = {
      {"all ok", {{"smtp", true, ""}, {"queue", true, ""}}, true, "smtp ok\nqueue ok\n"},
      {"one failing", {{"smtp", true, ""}, {"queue", false, "disk I/O error"}}, false,
       "smtp ok\nqueue failing: disk I/O error\n"},
      {"nothing checked is not healthy", {}, false, ""},
  };
  for (const Row& row : rows) {
    SCOPED_TRACE(row.name);
    const HealthReport r = render_health(row.checks);
    EXPECT_EQ(r.healthy, row.healthy);
    EXPECT_EQ(r.body, row.body);
  }
}

}  // namespace
}  // namespace stsrelay::app
