// etc/stsrelay.toml, the sample configuration: it loads and validates as shipped, shows every
// key, and shows the defaults of config.hpp (so the comments there and here cannot drift).
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "src/app/config/config_load.hpp"
#include "src/app/config/config_parser.hpp"
#include "src/app/config/config_validate.hpp"

namespace stsrelay::app {
namespace {

const std::filesystem::path kSample =
    std::filesystem::path(STSRELAY_SOURCE_DIR) / "etc/stsrelay.toml";

std::string read_sample() {
  std::ifstream in(kSample);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

TEST(SampleConfig, LoadsAndValidates) {
  auto config = load_config(kSample);
  ASSERT_TRUE(config.ok()) << config.error().message;
  EXPECT_EQ(config->server.listen, std::vector<std::string>{"127.0.0.1:2525"});
  EXPECT_EQ(config->queue.state_dir, "var");
  EXPECT_TRUE(config->server.tls_cert.empty());
  EXPECT_TRUE(config->relay.auth_users_file.empty());
}

TEST(SampleConfig, ShowsTheDefaults) {
  auto parsed = parse_config(read_sample(), "stsrelay.toml");
  ASSERT_TRUE(parsed.ok()) << parsed.error().message;
  Config expected;  // the defaults, except the example names of [tlsrpt]
  expected.tlsrpt.organization_name = "Example Org";
  expected.tlsrpt.contact_info = "mailto:tlsrpt@example.org";
  expected.tlsrpt.submitter = "example.org";
  EXPECT_EQ(parsed->config, expected);
}

TEST(SampleConfig, ShowsEveryKey) {
  auto parsed = parse_config(read_sample(), "stsrelay.toml");
  ASSERT_TRUE(parsed.ok()) << parsed.error().message;
  const std::vector<std::string_view> keys = {
      "server.listen", "server.hostname", "server.tls_cert", "server.tls_key",
      "server.max_message_size", "server.max_recipients", "server.max_connections",
      "server.max_connections_per_ip", "server.command_timeout", "server.data_timeout",
      "server.max_auth_failures", "server.max_bad_commands", "relay.allow_networks", "relay.auth_users_file",
      "queue.state_dir", "queue.retry_schedule", "queue.max_lifetime", "delivery.helo_name",
      "delivery.dns_servers", "delivery.ca_file", "delivery.concurrency",
      "delivery.per_domain_concurrency", "delivery.dry_run", "sts.enforcement",
      "sts.fetch_timeout", "sts.max_policy_size", "sts.override", "tlsrpt.enabled",
      "tlsrpt.organization_name", "tlsrpt.contact_info", "tlsrpt.submitter", "tlsrpt.send_at",
      "tlsrpt.max_send_delay", "tlsrpt.dkim_selector", "tlsrpt.dkim_key_file", "log.level", "log.format",
      "cluster.database", "cluster.node_name", "cluster.password_file",
      "cluster.report_lease"};
  for (std::string_view key : keys) {
    SCOPED_TRACE(key);
    EXPECT_NE(parsed->source.line(key), 0u);
  }
}

// docker/stsrelay.fleet.toml, the one file of every node of docker/compose.fleet.yaml: a node
// of a fleet, named by its host name, with /healthz on the container network for HAProxy.
TEST(SampleConfig, FleetConfigLoadsAndValidates) {
  auto config =
      load_config(std::filesystem::path(STSRELAY_SOURCE_DIR) / "docker/stsrelay.fleet.toml");
  ASSERT_TRUE(config.ok()) << config.error().message;
  EXPECT_TRUE(config->cluster.enabled());
  EXPECT_TRUE(config->cluster.node_name.empty());
  EXPECT_EQ(config->cluster.password_file, "/run/secrets/pg_password");
  EXPECT_EQ(config->cluster.report_lease, std::chrono::minutes(5));
  EXPECT_EQ(config->metrics.listen, "0.0.0.0:9325");
  EXPECT_TRUE(config->metrics.allow_remote);
  EXPECT_EQ(config->delivery.dns_servers, std::vector<std::string>{"172.28.53.53:53"});
  EXPECT_EQ(config->server.listen, (std::vector<std::string>{"0.0.0.0:25", "0.0.0.0:587"}));
}

TEST(LoadConfig, MissingFileNamesIt) {
  auto config = load_config("/nonexistent/stsrelay.toml");
  ASSERT_FALSE(config.ok());
  EXPECT_EQ(config.error().kind, core::ErrorKind::not_found);
  EXPECT_EQ(config.error().message,
            "/nonexistent/stsrelay.toml: cannot read: No such file or directory");
}

TEST(LoadConfig, ValidationProblemsNameTheFile) {
  const auto file = std::filesystem::path(testing::TempDir()) / "load_config_test.toml";
  {
    std::ofstream out(file);
    out << "[server]\nlisten = [\"127.0.0.1\"]\n";
  }
  auto config = load_config(file);
  std::filesystem::remove(file);
  ASSERT_FALSE(config.ok());
  EXPECT_TRUE(config.error().message.starts_with(file.string() + ":2: server.listen[0]: "))
      << config.error().message;
}

}  // namespace
}  // namespace stsrelay::app
