// Table tests of the configuration parser: every class of error names the key, the line and
// what was expected; values reach the typed struct.
#include "src/app/config/config_parser.hpp"

#include <gtest/gtest.h>

#include <vector>

namespace stsrelay::app {
namespace {

using std::chrono::seconds;

constexpr std::string_view kDurations = R"(a duration such as "30s", "10m", "1h" or "5d")";

struct ErrorRow {
  const char* name;
  std::string text;
  std::string error;    // the whole message ...
  bool prefix = false;  // ... or only its beginning (text that comes from toml++ or libidn2)
};

TEST(ParseConfig, ErrorTable) {
  const std::string d(kDurations);
  const std::vector<ErrorRow> rows = {
      // TOML syntax: toml++'s description with line and column.
      {"syntax: unclosed table header", "[server\nlisten = []\n", "test.toml:1:", true},
      {"syntax: duplicate key", "[server]\nhostname = \"a\"\nhostname = \"b\"\n",
       "test.toml:3:", true},
      {"syntax: bare string", "[log]\nlevel = info\n", "test.toml:2:", true},
      // Unknown keys anywhere.
      {"unknown top-level key", "bogus = 1\n", "test.toml:1: bogus: unknown key (known tables: cluster, dane, delivery, dkim, log, metrics, queue, "
       "relay, route, server, sts, tlsrpt)"},
      {"unknown cluster key", "[cluster]\ndatabse = \"host=db.test\"\n",
       "test.toml:2: cluster.databse: unknown key (did you mean \"database\"?)"},
      {"unknown table", "\n[serverr]\n", "test.toml:2: serverr: unknown table (did you mean \"server\"?)"},
      {"unknown key in a table", "[server]\nmax_recipient = 10\n",
       "test.toml:2: server.max_recipient: unknown key (did you mean \"max_recipients\"?)"},
      {"unknown sub-table", "[sts.overrides]\n", "test.toml:1: sts.overrides: unknown table (did you mean \"override\"?)"},
      {"quoted unknown key", "[log]\n\"the level\" = 1\n",
       "test.toml:2: log.\"the level\": unknown key (known keys: format, level)"},
      // Wrong type of a table.
      {"section as a value", "server = 5\n", "test.toml:1: server: expected a table, got 5"},
      {"section as array of tables", "[[server]]\n",
       "test.toml:1: server: expected a table, got an array"},
      // Strings.
      {"string expected", "[server]\nhostname = 5\n",
       "test.toml:2: server.hostname: expected a string, got 5"},
      {"string expected, got an array", "[queue]\nstate_dir = [\"var\"]\n",
       "test.toml:2: queue.state_dir: expected a string, got an array"},
      // Positive integers.
      {"integer expected, got a word", "[server]\nmax_recipients = \"ten\"\n",
       "test.toml:2: server.max_recipients: expected a positive integer, got \"ten\""},
      {"zero", "[server]\nmax_connections = 0\n",
       "test.toml:2: server.max_connections: expected a positive integer, got 0"},
      {"negative", "[delivery]\nconcurrency = -4\n",
       "test.toml:2: delivery.concurrency: expected a positive integer, got -4"},
      {"float", "[sts]\nmax_policy_size = 1.5\n",
       "test.toml:2: sts.max_policy_size: expected a positive integer, got 1.5"},
      {"boolean for an integer", "[server]\nmax_auth_failures = true\n",
       "test.toml:2: server.max_auth_failures: expected a positive integer, got true"},
      // Booleans.
      {"boolean expected", "[delivery]\ndry_run = \"yes\"\n",
       "test.toml:2: delivery.dry_run: expected true or false, got \"yes\""},
      {"integer for a boolean", "[tlsrpt]\nenabled = 1\n",
       "test.toml:2: tlsrpt.enabled: expected true or false, got 1"},
      // Durations.
      {"duration as a number", "[queue]\nmax_lifetime = 5\n",
       "test.toml:2: queue.max_lifetime: expected " + d + ", got 5"},
      {"duration in words", "[server]\ncommand_timeout = \"5 minutes\"\n",
       "test.toml:2: server.command_timeout: expected " + d + ", got \"5 minutes\""},
      {"duration without unit", "[sts]\nfetch_timeout = \"60\"\n",
       "test.toml:2: sts.fetch_timeout: expected " + d + ", got \"60\""},
      {"duration list item", "[queue]\nretry_schedule = [\"5m\", \"soon\"]\n",
       "test.toml:2: queue.retry_schedule[1]: expected " + d + ", got \"soon\""},
      {"duration list item on its own line", "[queue]\nretry_schedule = [\n  \"5m\",\n  7,\n]\n",
       "test.toml:4: queue.retry_schedule[1]: expected " + d + ", got 7"},
      {"duration list as a string", "[queue]\nretry_schedule = \"5m\"\n",
       "test.toml:2: queue.retry_schedule: expected an array of durations such as "
       "[\"5m\", \"1h\"], got \"5m\""},
      // String lists.
      {"string list item", "[server]\nlisten = [\"127.0.0.1:25\", 25]\n",
       "test.toml:2: server.listen[1]: expected a string, got 25"},
      {"string list as a string", "[relay]\nallow_networks = \"127.0.0.0/8\"\n",
       "test.toml:2: relay.allow_networks: expected an array of strings, got \"127.0.0.0/8\""},
      // Enumerations and times of day.
      {"enforcement token", "[sts]\nenforcement = \"enforce\"\n",
       "test.toml:2: sts.enforcement: expected \"policy\", \"testing\" or \"off\", got "
       "\"enforce\""},
      {"enforcement is case-sensitive", "[sts]\nenforcement = \"Policy\"\n",
       "test.toml:2: sts.enforcement: expected \"policy\", \"testing\" or \"off\", got "
       "\"Policy\""},
      {"log format", "[log]\nformat = \"xml\"\n",
       "test.toml:2: log.format: expected \"text\" or \"json\", got \"xml\""},
      {"send_at hour 24", "[tlsrpt]\nsend_at = \"24:00\"\n",
       "test.toml:2: tlsrpt.send_at: expected a UTC time of day \"HH:MM\", got \"24:00\""},
      {"send_at one-digit hour", "[tlsrpt]\nsend_at = \"0:30\"\n",
       "test.toml:2: tlsrpt.send_at: expected a UTC time of day \"HH:MM\", got \"0:30\""},
      {"send_at minute 60", "[tlsrpt]\nsend_at = \"00:60\"\n",
       "test.toml:2: tlsrpt.send_at: expected a UTC time of day \"HH:MM\", got \"00:60\""},
      {"send_at as a TOML time", "[tlsrpt]\nsend_at = 00:30:00\n",
       "test.toml:2: tlsrpt.send_at: expected a UTC time of day \"HH:MM\", got a time"},
      // [sts.override].
      {"override mode", "[sts.override]\n\"example.com\" = \"enforce\"\n",
       "test.toml:2: sts.override.\"example.com\": expected \"policy\", \"testing\" or \"off\", "
       "got \"enforce\""},
      {"override as a table", "[sts.override.\"example.com\"]\n",
       "test.toml:1: sts.override.\"example.com\": expected \"policy\", \"testing\" or \"off\", "
       "got a table"},
      {"override domain", "[sts.override]\n\"exa mple.com\" = \"testing\"\n",
       "test.toml:2: sts.override.\"exa mple.com\": not a domain name: ", true},
      {"override twice after normalisation",
       "[sts.override]\n\"Example.com\" = \"testing\"\n\"example.com.\" = \"off\"\n",
       "test.toml:3: sts.override.\"example.com.\": \"example.com\" is overridden twice"},
      // [[dkim.sign]]
      {"dkim.sign as one table", "[dkim.sign]\ndomain = \"a.example\"\n",
       "test.toml:1: dkim.sign: expected an array of tables [[...]], got a table"},
      {"unknown key in the second dkim.sign", "[[dkim.sign]]\ndomain = \"a.example\"\n"
       "[[dkim.sign]]\nkeyfile = \"k.pem\"\n",
       "test.toml:4: dkim.sign[1].keyfile: unknown key (did you mean \"key_file\"?)"},
      {"dkim.sign domain not a string", "[[dkim.sign]]\ndomain = 1\n",
       "test.toml:2: dkim.sign[0].domain: expected a string, got 1"},
      // [[route]]
      {"route floor", "[[route]]\ndomains = [\"*\"]\ntls = \"strict\"\n",
       "test.toml:3: route[0].tls: expected \"none\", \"may\", \"encrypt\", \"dane\", "
       "\"dane-only\", \"verify\" or \"secure\", got \"strict\""},
      {"route next hop", "[[route]]\ndomains = [\"*\"]\n\n[[route]]\ndomains = [\"x.example\"]\n"
       "next_hop = [\"mx\", \"192.0.2.1:25\"]\n",
       "test.toml:6: route[1].next_hop: item 1: \"192.0.2.1:25\": an address goes in brackets "
       "(\"[192.0.2.1]\"), so that no one reads it as a name"},
      {"route next hop type", "[[route]]\ndomains = [\"*\"]\nnext_hop = 25\n",
       "test.toml:3: route[0].next_hop: expected a string or an array of strings, got 25"},
      {"route domain pattern", "[[route]]\ndomains = [\"*.corp.example\"]\n",
       "test.toml:2: route[0].domains: \"*.corp.example\" is not a domain, \".domain\" or \"*\": ",
       true},
      {"route unknown key", "[[route]]\ndomains = [\"*\"]\nnexthop = \"mx\"\n",
       "test.toml:3: route[0].nexthop: unknown key (did you mean \"next_hop\"?)"},
      // Dotted keys and inline tables name the same key.
      {"dotted key at the root", "server.max_recipients = \"x\"\n",
       "test.toml:1: server.max_recipients: expected a positive integer, got \"x\""},
      {"inline table", "server = { hostname = 5 }\n",
       "test.toml:1: server.hostname: expected a string, got 5"},
      // All problems at once, in the order of the file (not the order keys are read in).
      {"several problems in file order",
       "[log]\nlevel = 3\n[server]\nmax_recipients = 0\nhostnme = 1\n",
       "test.toml:2: log.level: expected a string, got 3\n"
       "test.toml:4: server.max_recipients: expected a positive integer, got 0\n"
       "test.toml:5: server.hostnme: unknown key (did you mean \"hostname\"?)"},
  };
  for (const ErrorRow& row : rows) {
    SCOPED_TRACE(row.name);
    auto parsed = parse_config(row.text, "test.toml");
    ASSERT_FALSE(parsed.ok());
    EXPECT_EQ(parsed.error().kind, core::ErrorKind::invalid);
    if (row.prefix) {
      EXPECT_TRUE(parsed.error().message.starts_with(row.error)) << parsed.error().message;
      EXPECT_GT(parsed.error().message.size(), row.error.size()) << "no description";
    } else {
      EXPECT_EQ(parsed.error().message, row.error);
    }
  }
}

TEST(ParseConfig, EmptyTextGivesTheDefaults) {
  auto parsed = parse_config("", "test.toml");
  ASSERT_TRUE(parsed.ok()) << parsed.error().message;
  EXPECT_EQ(parsed->config, Config{});
  EXPECT_EQ(parsed->source.where("server.listen"), "test.toml");
}

TEST(ParseConfig, EveryKeyReachesTheStruct) {
  const std::string text = R"([server]
listen = ["127.0.0.1:25", "[::1]:25"]
hostname = "relay.example.com"
tls_cert = "cert.pem"
tls_key = "key.pem"
max_message_size = 1000000
max_recipients = 50
max_connections = 60
max_connections_per_ip = 7
add_missing_headers = false
command_timeout = "2m"
data_timeout = "3m"
max_auth_failures = 5
max_bad_commands = 8

[relay]
allow_networks = ["192.0.2.0/24"]
auth_users_file = "users"

[queue]
state_dir = "/var/lib/stsrelay"
retry_schedule = ["1m", "1h"]
max_lifetime = "2d"

[delivery]
helo_name = "out.example.com"
dns_servers = ["192.0.2.53:5353"]
ca_file = "ca.pem"
concurrency = 10
per_domain_concurrency = 2
dry_run = true

[sts]
enforcement = "testing"
fetch_timeout = "30s"
max_policy_size = 4096

[sts.override]
"EXAMPLE.com." = "off"
"bücher.example" = "policy"

[dane]
enforcement = "testing"
validation_probe = "test."

[dane.override]
"Signed.Example" = "off"

[tlsrpt]
enabled = false
organization_name = "Org"
contact_info = "mailto:r@example.com"
submitter = "example.com"
send_at = "23:59"
dkim_selector = "s1"
dkim_key_file = "dkim.pem"

[[dkim.sign]]
domain = "example.com"
selector = "s1"
key_file = "rsa.pem"

[[dkim.sign]]
domain = "example.com"
selector = "s2"
key_file = "ed.pem"

[[route]]
domains = ["corp.example", ".Corp.Example"]
senders = ["shop.example"]
next_hop = ["[192.0.2.10]:2525", "relay.corp.example"]
tls = "verify"
implicit_tls = true
auth_file = "corp.auth"
source_address = "192.0.2.25"

[log]
level = "debug"
format = "json"

[cluster]
database = "postgresql://relay@db.test/stsrelay"
node_name = "relay-2"
password_file = "/run/secrets/pg"
)";
  auto parsed = parse_config(text, "test.toml");
  ASSERT_TRUE(parsed.ok()) << parsed.error().message;
  const Config& c = parsed->config;
  EXPECT_EQ(c.server.listen, (std::vector<std::string>{"127.0.0.1:25", "[::1]:25"}));
  EXPECT_EQ(c.server.hostname, "relay.example.com");
  EXPECT_EQ(c.server.tls_cert, "cert.pem");
  EXPECT_EQ(c.server.tls_key, "key.pem");
  EXPECT_EQ(c.server.max_message_size, 1000000u);
  EXPECT_EQ(c.server.max_recipients, 50u);
  EXPECT_EQ(c.server.max_connections, 60u);
  EXPECT_EQ(c.server.max_connections_per_ip, 7u);
  EXPECT_FALSE(c.server.add_missing_headers);
  EXPECT_EQ(c.server.command_timeout, seconds{120});
  EXPECT_EQ(c.server.data_timeout, seconds{180});
  EXPECT_EQ(c.server.max_auth_failures, 5u);
  EXPECT_EQ(c.server.max_bad_commands, 8u);
  EXPECT_EQ(c.relay.allow_networks, std::vector<std::string>{"192.0.2.0/24"});
  EXPECT_EQ(c.relay.auth_users_file, "users");
  EXPECT_EQ(c.queue.state_dir, "/var/lib/stsrelay");
  EXPECT_EQ(c.queue.retry_schedule, (std::vector<seconds>{seconds{60}, seconds{3600}}));
  EXPECT_EQ(c.queue.max_lifetime, seconds{2 * 86400});
  EXPECT_EQ(c.delivery.helo_name, "out.example.com");
  EXPECT_EQ(c.delivery.dns_servers, std::vector<std::string>{"192.0.2.53:5353"});
  EXPECT_EQ(c.delivery.ca_file, "ca.pem");
  EXPECT_EQ(c.delivery.concurrency, 10u);
  EXPECT_EQ(c.delivery.per_domain_concurrency, 2u);
  EXPECT_TRUE(c.delivery.dry_run);
  EXPECT_EQ(c.sts.enforcement, sts::LocalEnforcement::testing);
  EXPECT_EQ(c.sts.fetch_timeout, seconds{30});
  EXPECT_EQ(c.sts.max_policy_size, 4096u);
  // Override domains are normalised once: lower case, no trailing dot, A-labels.
  const std::map<std::string, sts::LocalEnforcement> overrides = {
      {"example.com", sts::LocalEnforcement::off},
      {"xn--bcher-kva.example", sts::LocalEnforcement::policy}};
  EXPECT_EQ(c.sts.overrides, overrides);
  EXPECT_EQ(c.dane.enforcement, sts::LocalEnforcement::testing);
  EXPECT_EQ(c.dane.validation_probe, "test.");
  const std::map<std::string, sts::LocalEnforcement> dane_overrides = {
      {"signed.example", sts::LocalEnforcement::off}};
  EXPECT_EQ(c.dane.overrides, dane_overrides);
  EXPECT_FALSE(c.tlsrpt.enabled);
  EXPECT_EQ(c.tlsrpt.organization_name, "Org");
  EXPECT_EQ(c.tlsrpt.contact_info, "mailto:r@example.com");
  EXPECT_EQ(c.tlsrpt.submitter, "example.com");
  EXPECT_EQ(c.tlsrpt.send_at, std::chrono::minutes{23 * 60 + 59});
  EXPECT_EQ(c.tlsrpt.dkim_selector, "s1");
  EXPECT_EQ(c.tlsrpt.dkim_key_file, "dkim.pem");
  ASSERT_EQ(c.routes.size(), 1u);
  const delivery::Route& route = c.routes[0];
  EXPECT_EQ(route.domains, (std::vector<std::string>{"corp.example", ".corp.example"}));
  EXPECT_EQ(route.senders, std::vector<std::string>{"shop.example"});
  using Hop = delivery::NextHop;
  EXPECT_EQ(route.next_hops, (std::vector<Hop>{{Hop::Kind::address, "192.0.2.10", 2525},
                                               {Hop::Kind::host, "relay.corp.example", 25}}));
  EXPECT_EQ(route.tls, delivery::TlsFloor::verify);
  EXPECT_TRUE(route.implicit_tls);
  EXPECT_EQ(route.auth_file, "corp.auth");
  EXPECT_EQ(route.source_address, "192.0.2.25");
  ASSERT_EQ(c.dkim.sign.size(), 2u);
  EXPECT_EQ(c.dkim.sign[0], (DkimSignConfig{"example.com", "s1", "rsa.pem", "test.toml:58"}));
  EXPECT_EQ(c.dkim.sign[1], (DkimSignConfig{"example.com", "s2", "ed.pem", "test.toml:63"}));
  EXPECT_EQ(c.log.level, "debug");
  EXPECT_EQ(c.log.format, core::LogFormat::json);
  EXPECT_EQ(c.cluster.database, "postgresql://relay@db.test/stsrelay");
  EXPECT_EQ(c.cluster.node_name, "relay-2");
  EXPECT_EQ(c.cluster.password_file, "/run/secrets/pg");

  // Lines are kept for validation messages: keys, list items, override entries.
  EXPECT_EQ(parsed->source.where("server.hostname"), "test.toml:3");
  EXPECT_EQ(parsed->source.where("server.listen[1]"), "test.toml:2");
  EXPECT_EQ(parsed->source.where("sts.override.\"EXAMPLE.com.\""), "test.toml:39");
  EXPECT_EQ(parsed->source.where("log.format"), "test.toml:79");
}

}  // namespace
}  // namespace stsrelay::app
