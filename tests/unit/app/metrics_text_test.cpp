#include "src/app/metrics/metrics_text.hpp"

#include <gtest/gtest.h>

#include <set>
#include <sstream>

namespace stsrelay::app {
namespace {

std::vector<std::string> lines_of(const std::string& text) {
  std::vector<std::string> out;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) out.push_back(line);
  return out;
}

// The family a sample line belongs to: its name, less a histogram's suffix.
std::string family_of(const std::string& sample_line, const std::set<std::string>& histograms) {
  std::string name = sample_line.substr(0, sample_line.find_first_of("{ "));
  for (const char* suffix : {"_bucket", "_sum", "_count"}) {
    const std::string s(suffix);
    if (name.size() > s.size() && name.compare(name.size() - s.size(), s.size(), s) == 0 &&
        histograms.count(name.substr(0, name.size() - s.size())) > 0) {
      return name.substr(0, name.size() - s.size());
    }
  }
  return name;
}

MetricsSnapshot busy_snapshot() {
  MetricsSnapshot s;
  s.active_connections = 3;
  s.connections_total = 10;
  s.connections_refused = 1;
  s.messages_accepted = 7;
  s.messages_rejected = 2;
  s.recipients_by_state = {{"deferred", 2}, {"queued", 5}, {"dry-run", 1}};
  s.attempts[{"sent", "verified", "enforce"}] = 4;
  s.attempts[{"deferred", "unverified", "no-policy"}] = 1;
  s.attempts[{"bounced", "none", "testing"}] = 1;
  s.policy_fetches = 6;
  s.policy_fetch_failures = 2;
  s.dns_latency = {{0.005, 0.1, 1.0}, {3, 8, 9}, 10, 1.25};
  s.stages = {{"plan", {{0.001, 0.01}, {2, 5}, 6, 0.5}}, {"record", {{0.001, 0.01}, {0, 1}, 1, 0.004}}};
  s.tlsrpt_sessions = 5;
  s.tlsrpt_write_errors = 0;
  s.dkim_signatures = {{"example.org", 6}, {"shop.example", 2}};
  s.dkim_failures = 1;
  return s;
}

// Exposition format 0.0.4, section "Text format details": per family one HELP and one TYPE
// line before its samples, no family twice, sample names of the family (histograms: _bucket,
// _sum, _count), each sample "name[{labels}] value".
TEST(MetricsText, FollowsTheExpositionFormat) {
  for (const MetricsSnapshot& s : {MetricsSnapshot{}, busy_snapshot()}) {
    const std::string text = render_metrics(s);
    ASSERT_FALSE(text.empty());
    EXPECT_EQ(text.back(), '\n');
    std::set<std::string> declared;
    std::set<std::string> histograms;
    std::string current;
    std::string pending_help;
    for (const std::string& line : lines_of(text)) {
      SCOPED_TRACE(line);
      ASSERT_FALSE(line.empty());
      if (line.rfind("# HELP ", 0) == 0) {
        pending_help = line.substr(7, line.find(' ', 7) - 7);
        EXPECT_TRUE(declared.insert(pending_help).second) << "family declared twice";
        continue;
      }
      if (line.rfind("# TYPE ", 0) == 0) {
        std::istringstream in(line.substr(7));
        std::string name, type;
        in >> name >> type;
        EXPECT_EQ(name, pending_help) << "TYPE without its HELP just before";
        EXPECT_TRUE(type == "counter" || type == "gauge" || type == "histogram") << type;
        if (type == "counter") {
          EXPECT_EQ(name.substr(name.size() - 6), "_total");
        }
        if (type == "histogram") {
          histograms.insert(name);
        }
        EXPECT_EQ(name.rfind("stsrelay_", 0), 0u);
        current = name;
        continue;
      }
      ASSERT_NE(line[0], '#');
      EXPECT_EQ(family_of(line, histograms), current) << "sample outside its family";
      const std::string value = line.substr(line.rfind(' ') + 1);
      EXPECT_NO_THROW((void)std::stod(value));
    }
    EXPECT_EQ(declared.size(), 16u);
  }
}

TEST(MetricsText, SamplesTable) {
  const std::string text = render_metrics(busy_snapshot());
  const char* expected[] = {
      "# HELP stsrelay_smtp_connections_active SMTP client connections open now.\n"
      "# TYPE stsrelay_smtp_connections_active gauge\nstsrelay_smtp_connections_active 3\n",
      "# TYPE stsrelay_smtp_connections_total counter\nstsrelay_smtp_connections_total 10\n",
      "\nstsrelay_smtp_connections_refused_total 1\n",
      "\nstsrelay_messages_accepted_total 7\n",
      "\nstsrelay_messages_rejected_total 2\n",
      "\nstsrelay_queue_recipients{state=\"deferred\"} 2\n",
      "\nstsrelay_queue_recipients{state=\"dry-run\"} 1\n",
      "\nstsrelay_queue_recipients{state=\"queued\"} 5\n",
      "\nstsrelay_delivery_attempts_total{status=\"sent\",tls=\"verified\",policy=\"enforce\"} 4\n",
      "\nstsrelay_delivery_attempts_total{status=\"deferred\",tls=\"unverified\","
      "policy=\"no-policy\"} 1\n",
      "\nstsrelay_delivery_attempts_total{status=\"bounced\",tls=\"none\",policy=\"testing\"} 1\n",
      "\nstsrelay_sts_policy_fetches_total 6\n",
      "\nstsrelay_sts_policy_fetch_failures_total 2\n",
      "# TYPE stsrelay_dns_query_duration_seconds histogram\n"
      "stsrelay_dns_query_duration_seconds_bucket{le=\"0.005\"} 3\n"
      "stsrelay_dns_query_duration_seconds_bucket{le=\"0.1\"} 8\n"
      "stsrelay_dns_query_duration_seconds_bucket{le=\"1\"} 9\n"
      "stsrelay_dns_query_duration_seconds_bucket{le=\"+Inf\"} 10\n"
      "stsrelay_dns_query_duration_seconds_sum 1.25\n"
      "stsrelay_dns_query_duration_seconds_count 10\n",
      "# TYPE stsrelay_stage_duration_seconds histogram\n"
      "stsrelay_stage_duration_seconds_bucket{stage=\"plan\",le=\"0.001\"} 2\n"
      "stsrelay_stage_duration_seconds_bucket{stage=\"plan\",le=\"0.01\"} 5\n"
      "stsrelay_stage_duration_seconds_bucket{stage=\"plan\",le=\"+Inf\"} 6\n"
      "stsrelay_stage_duration_seconds_sum{stage=\"plan\"} 0.5\n"
      "stsrelay_stage_duration_seconds_count{stage=\"plan\"} 6\n"
      "stsrelay_stage_duration_seconds_bucket{stage=\"record\",le=\"0.001\"} 0\n",
      "\nstsrelay_tlsrpt_sessions_total 5\n",
      "\nstsrelay_tlsrpt_write_errors_total 0\n",
      "\nstsrelay_dkim_signatures_total{domain=\"example.org\"} 6\n"
      "stsrelay_dkim_signatures_total{domain=\"shop.example\"} 2\n",
      "\nstsrelay_dkim_sign_failures_total 1\n",
  };
  for (const char* piece : expected) {
    EXPECT_NE(text.find(piece), std::string::npos) << piece;
  }
}

TEST(MetricsText, NothingYetStillDeclaresEveryFamily) {
  const std::string text = render_metrics(MetricsSnapshot{});
  EXPECT_NE(text.find("# TYPE stsrelay_queue_recipients gauge\n# HELP"), std::string::npos);
  EXPECT_NE(text.find("# TYPE stsrelay_delivery_attempts_total counter\n# HELP"),
            std::string::npos);
  EXPECT_NE(text.find("stsrelay_dns_query_duration_seconds_bucket{le=\"+Inf\"} 0\n"
                      "stsrelay_dns_query_duration_seconds_sum 0\n"
                      "stsrelay_dns_query_duration_seconds_count 0\n"),
            std::string::npos);
}

TEST(MetricsText, DnssecGaugeOnlyWhenKnown) {
  MetricsSnapshot s;
  EXPECT_NE(render_metrics(s).find("# TYPE stsrelay_dnssec_validating gauge\n"),
            std::string::npos);
  EXPECT_EQ(render_metrics(s).find("\nstsrelay_dnssec_validating "), std::string::npos);
  s.dnssec_validating = true;
  EXPECT_NE(render_metrics(s).find("\nstsrelay_dnssec_validating 1\n"), std::string::npos);
  s.dnssec_validating = false;
  EXPECT_NE(render_metrics(s).find("\nstsrelay_dnssec_validating 0\n"), std::string::npos);
}

TEST(MetricsText, LabelValuesAreEscaped) {
  struct Row {
    const char* in;
    const char* out;
  };
  const Row rows[] = {
      {"plain", "plain"},     {"a\"b", "a\\\"b"},     {"a\\b", "a\\\\b"},
      {"a\nb", "a\\nb"},      {"", ""},               {"\\n", "\\\\n"},
      {"tab\there", "tab\there"},
  };
  for (const Row& row : rows) {
    SCOPED_TRACE(row.in);
    EXPECT_EQ(escape_label(row.in), row.out);
  }
  MetricsSnapshot s;
  s.recipients_by_state = {{"odd\"state\n", 1}};
  EXPECT_NE(render_metrics(s).find("stsrelay_queue_recipients{state=\"odd\\\"state\\n\"} 1\n"),
            std::string::npos);
}

TEST(MetricsText, ClusterFamiliesOnlyOnAFleetNode) {
  MetricsSnapshot s;
  EXPECT_EQ(render_metrics(s).find("stsrelay_cluster_"), std::string::npos);
  s.cluster = true;
  s.cluster_batches_spooled = 7;
  s.cluster_batches_flushed = 5;
  s.cluster_batches_duplicate = 1;
  s.cluster_flush_failures = 3;
  s.cluster_spool_pending = 2;
  const std::string text = render_metrics(s);
  for (const char* line : {"stsrelay_cluster_batches_spooled_total 7\n",
                           "stsrelay_cluster_batches_flushed_total 5\n",
                           "stsrelay_cluster_batches_duplicate_total 1\n",
                           "stsrelay_cluster_flush_failures_total 3\n",
                           "# TYPE stsrelay_cluster_spool_batches gauge\n",
                           "stsrelay_cluster_spool_batches 2\n"}) {
    SCOPED_TRACE(line);
    EXPECT_NE(text.find(line), std::string::npos);
  }
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
      {"all failing",
       {{"smtp", false, "not listening"}, {"delivery", false, "the scheduler is not running"}},
       false, "smtp failing: not listening\ndelivery failing: the scheduler is not running\n"},
      {"nothing checked is not healthy", {}, false, ""},
      {"a degraded database keeps the node healthy",
       {{"smtp", true, ""}, {"database", true, "the shared database does not answer", true}},
       true, "smtp ok\ndatabase degraded: the shared database does not answer\n"},
      {"an informational line says what it says and fails nothing",
       {{"smtp", true, ""}, {"dnssec", true, "not validating: DANE off (no AD)", false, true}}, true,
       "smtp ok\ndnssec not validating: DANE off (no AD)\n"},
      {"informational lines alone are not healthy", {{"dnssec", true, "validating", false, true}},
       false, "dnssec validating\n"},
      {"a failing check beside an informational line",
       {{"queue", false, "disk I/O error"}, {"dnssec", true, "validating", false, true}}, false,
       "queue failing: disk I/O error\ndnssec validating\n"},
  };
  for (const Row& row : rows) {
    SCOPED_TRACE(row.name);
    const HealthReport r = render_health(row.checks);
    EXPECT_EQ(r.healthy, row.healthy);
    EXPECT_EQ(r.body, row.body);
  }
}

TEST(MetricsText, HealthInOneLine) {
  struct Row {
    int status;
    const char* body;
    const char* line;
  };
  const Row rows[] = {
      {200, "smtp ok\nqueue ok\ndelivery ok\n", "healthy: smtp ok; queue ok; delivery ok"},
      {503, "smtp ok\nqueue failing: disk I/O error\ndelivery ok\n",
       "unhealthy: smtp ok; queue failing: disk I/O error; delivery ok"},
      {503, "", "unhealthy"},
      {200, "smtp ok", "healthy: smtp ok"},  // no final newline
      {404, "not found\n", "unhealthy: HTTP 404 from /healthz"},
      {500, "", "unhealthy: HTTP 500 from /healthz"},
  };
  for (const Row& row : rows) {
    SCOPED_TRACE(row.line);
    EXPECT_EQ(summarize_health(row.status, row.body), row.line);
  }
}

}  // namespace
}  // namespace stsrelay::app
