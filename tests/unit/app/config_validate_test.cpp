// Table tests of configuration validation: what the type of a value cannot say. Every message
// names the key and its line (or only the file, when the key took its default).
#include "src/app/config/config_validate.hpp"

#include <gtest/gtest.h>

#include <vector>

namespace stsrelay::app {
namespace {

struct Row {
  const char* name;
  std::string text;
  std::string error;    // empty: valid; otherwise the whole message ...
  bool prefix = false;  // ... or its beginning (the rest comes from the address parsers)
};

TEST(ValidateConfig, Table) {
  const std::string tls = "tls_cert = \"c.pem\"\ntls_key = \"k.pem\"\n";
  const std::vector<Row> rows = {
      {"defaults", "", ""},
      {"IPv6 listener and port 0", "[server]\nlisten = [\"[::1]:0\", \"0.0.0.0:25\"]\n", ""},
      {"localhost listener", "[server]\nlisten = [\"localhost:2525\"]\n", ""},
      {"TLS and AUTH", "[server]\n" + tls + "[relay]\nauth_users_file = \"users\"\n", ""},
      {"empty relay networks (AUTH only)", "[relay]\nallow_networks = []\n", ""},
      {"single host network", "[relay]\nallow_networks = [\"192.0.2.7\"]\n", ""},
      {"DNS servers", "[delivery]\ndns_servers = [\"192.0.2.53\", \"[2001:db8::53]:5353\"]\n",
       ""},
      // server.listen
      {"no listener", "[server]\nlisten = []\n",
       "test.toml:2: server.listen: expected at least one address"},
      {"listener without port", "[server]\nlisten = [\"127.0.0.1\"]\n",
       "test.toml:2: server.listen[0]: ", true},
      {"listener with a host name", "[server]\nlisten = [\n  \"127.0.0.1:25\",\n  \"mx.example.com:25\"\n]\n",
       "test.toml:4: server.listen[1]: ", true},
      {"IPv6 listener without brackets", "[server]\nlisten = [\"::1:25\"]\n",
       "test.toml:2: server.listen[0]: ", true},
      {"listener port out of range", "[server]\nlisten = [\"127.0.0.1:65536\"]\n",
       "test.toml:2: server.listen[0]: ", true},
      {"listener twice", "[server]\nlisten = [\"127.0.0.1:25\", \"localhost:25\"]\n",
       "test.toml:2: server.listen[1]: \"localhost:25\" is listed twice"},
      // server.hostname
      {"hostname with a space", "[server]\nhostname = \"relay example\"\n",
       "test.toml:2: server.hostname: expected a host name, got \"relay example\" (", true},
      {"empty hostname", "[server]\nhostname = \"\"\n",
       "test.toml:2: server.hostname: expected a host name, got \"\" (", true},
      // TLS material comes in pairs.
      {"certificate without key", "[server]\ntls_cert = \"c.pem\"\n",
       "test.toml:2: server.tls_cert: is set but server.tls_key is empty: set both (STARTTLS) "
       "or neither"},
      {"key without certificate", "[server]\n\ntls_key = \"k.pem\"\n",
       "test.toml:3: server.tls_key: is set but server.tls_cert is empty: set both (STARTTLS) "
       "or neither"},
      {"AUTH users without TLS", "[relay]\nauth_users_file = \"users\"\n",
       "test.toml:2: relay.auth_users_file: needs server.tls_cert and server.tls_key: AUTH is "
       "offered only after STARTTLS"},
      // Limits.
      {"per-IP limit over the total", "[server]\nmax_connections = 50\n",
       "test.toml: server.max_connections_per_ip: must not exceed server.max_connections (50)"},
      {"zero command timeout", "[server]\ncommand_timeout = \"0s\"\n",
       "test.toml:2: server.command_timeout: must not be zero"},
      {"zero data timeout", "[server]\ndata_timeout = \"0m\"\n",
       "test.toml:2: server.data_timeout: must not be zero"},
      {"too many AUTH failures", "[server]\nmax_auth_failures = 101\n",
       "test.toml:2: server.max_auth_failures: expected at most 100, got 101"},
      {"too many bad commands", "[server]\nmax_bad_commands = 1001\n",
       "test.toml:2: server.max_bad_commands: expected at most 1000, got 1001"},
      // relay.allow_networks
      {"network with host bits", "[relay]\nallow_networks = [\"127.0.0.0/8\", \"10.0.0.1/8\"]\n",
       "test.toml:2: relay.allow_networks[1]: ", true},
      {"network prefix too long", "[relay]\nallow_networks = [\"::1/129\"]\n",
       "test.toml:2: relay.allow_networks[0]: ", true},
      {"network that is a name", "[relay]\nallow_networks = [\"localhost\"]\n",
       "test.toml:2: relay.allow_networks[0]: ", true},
      // [queue]
      {"empty state_dir", "[queue]\nstate_dir = \"\"\n",
       "test.toml:2: queue.state_dir: expected a directory, got \"\""},
      {"empty retry schedule", "[queue]\nretry_schedule = []\n",
       "test.toml:2: queue.retry_schedule: expected at least one duration"},
      {"zero retry step", "[queue]\nretry_schedule = [\"5m\", \"0s\"]\n",
       "test.toml:2: queue.retry_schedule[1]: must not be zero"},
      {"zero lifetime", "[queue]\nmax_lifetime = \"0d\"\n",
       "test.toml:2: queue.max_lifetime: must not be zero"},
      // [delivery]
      {"bad HELO name", "[delivery]\nhelo_name = \"-bad-\"\n",
       "test.toml:2: delivery.helo_name: expected a host name, got \"-bad-\" (", true},
      {"DNS server that is a name", "[delivery]\ndns_servers = [\"ns.example.com\"]\n",
       "test.toml:2: delivery.dns_servers[0]: ", true},
      {"zero DNS timeout", "[delivery]\ndns_timeout = \"0s\"\n",
       "test.toml:2: delivery.dns_timeout: must not be zero"},
      {"too many DNS tries", "[delivery]\ndns_tries = 11\n",
       "test.toml:2: delivery.dns_tries: must be at most 10"},
      {"zero delivery command timeout", "[delivery]\ncommand_timeout = \"0s\"\n",
       "test.toml:2: delivery.command_timeout: must not be zero"},
      {"per-domain concurrency over the total", "[delivery]\nconcurrency = 10\n",
       "test.toml: delivery.per_domain_concurrency: must not exceed delivery.concurrency (10)"},
      // [sts], [tlsrpt], [log]
      {"zero fetch timeout", "[sts]\nfetch_timeout = \"0s\"\n",
       "test.toml:2: sts.fetch_timeout: must not be zero"},
      {"submitter that is not a domain", "[tlsrpt]\nsubmitter = \"example org\"\n",
       "test.toml:2: tlsrpt.submitter: expected a domain name, got \"example org\" (", true},
      {"submitter of the contact's domain", "[tlsrpt]\ncontact_info = \"mailto:tls@Example.org\"\n"
       "submitter = \"example.ORG\"\n", ""},
      {"contact as a bare address", "[tlsrpt]\ncontact_info = \"tls@example.org\"\n"
       "submitter = \"example.org\"\n", ""},
      {"bare contact of another domain", "[tlsrpt]\ncontact_info = \"tls@example.org\"\n"
       "submitter = \"example.net\"\n",
       "test.toml:3: tlsrpt.submitter: must be the domain of tlsrpt.contact_info (example.org)"},
      {"contact that is no address", "[tlsrpt]\ncontact_info = \"https://example.org/tls\"\n",
       "test.toml:2: tlsrpt.contact_info: must be an e-mail address (local@domain, or "
       "mailto:local@domain)"},
      {"submitter of another domain", "[tlsrpt]\ncontact_info = \"mailto:tls@example.org\"\n"
       "submitter = \"example.net\"\n",
       "test.toml:3: tlsrpt.submitter: must be the domain of tlsrpt.contact_info (example.org)"},
      // [cluster]
      {"cluster conninfo", "[cluster]\ndatabase = \"host=db.test dbname=stsrelay\"\n", ""},
      {"cluster URI and node", "[cluster]\ndatabase = \"postgresql://relay@db.test/stsrelay\"\n"
       "node_name = \"relay-1.a_b\"\npassword_file = \"pw\"\n", ""},
      {"cluster conninfo unparsable", "[cluster]\n\ndatabase = \"host=db.test password='s3cret\"\n",
       "test.toml:3: cluster.database: not a PostgreSQL conninfo or URI: ", true},
      {"cluster password file without database", "[cluster]\npassword_file = \"pw\"\n",
       "test.toml:2: cluster.password_file: is set but cluster.database is empty"},
      {"cluster node name with a slash", "[cluster]\nnode_name = \"a/b\"\n",
       "test.toml:2: cluster.node_name: expected letters, digits, '-', '.' or '_' (at most 63), "
       "got \"a/b\""},
      {"cluster report lease", "[cluster]\ndatabase = \"host=db.test\"\nreport_lease = \"90s\"\n",
       ""},
      {"cluster report lease of zero", "[cluster]\ndatabase = \"host=db.test\"\nreport_lease = \"0s\"\n",
       "test.toml:3: cluster.report_lease: must be at least 1s"},
      {"metrics on loopback", "[metrics]\nlisten = \"127.0.0.1:9325\"\n", ""},
      {"metrics on IPv6 loopback", "[metrics]\nlisten = \"[::1]:9325\"\n", ""},
      {"metrics elsewhere", "\n[metrics]\nlisten = \"0.0.0.0:9325\"\n",
       "test.toml:3: metrics.listen: must be a loopback address (127.0.0.0/8, [::1] or localhost) "
       "unless metrics.allow_remote = true, got \"0.0.0.0:9325\""},
      {"metrics elsewhere, allowed", "[metrics]\nlisten = \"0.0.0.0:9325\"\nallow_remote = true\n",
       ""},
      {"metrics on a host name", "[metrics]\nlisten = \"metrics.example.com:9325\"\n",
       "test.toml:2: metrics.listen: ", true},
      {"empty DKIM selector", "[tlsrpt]\ndkim_selector = \"\"\n",
       "test.toml:2: tlsrpt.dkim_selector: expected a DKIM selector (LDH labels), got \"\" (",
       true},
      {"two DKIM keys", "[[dkim.sign]]\ndomain = \"Example.org\"\nselector = \"s1\"\n"
       "key_file = \"a.pem\"\n[[dkim.sign]]\ndomain = \"example.org\"\nselector = \"s2\"\n"
       "key_file = \"b.pem\"\n", ""},
      {"DKIM table without its keys", "\n[[dkim.sign]]\n",
       "test.toml:2: dkim.sign[0]: domain is missing\n"
       "test.toml:2: dkim.sign[0]: selector is missing\n"
       "test.toml:2: dkim.sign[0]: key_file is missing"},
      {"DKIM domain that is no domain", "[[dkim.sign]]\ndomain = \"exa mple.org\"\n"
       "selector = \"s1\"\nkey_file = \"a.pem\"\n",
       "test.toml:2: dkim.sign[0].domain: expected a mail domain, got \"exa mple.org\" (", true},
      {"DKIM domain and selector twice", "[[dkim.sign]]\ndomain = \"example.org\"\n"
       "selector = \"s1\"\nkey_file = \"a.pem\"\n[[dkim.sign]]\ndomain = \"EXAMPLE.org.\"\n"
       "selector = \"S1\"\nkey_file = \"b.pem\"\n",
       "test.toml:5: dkim.sign[1]: a second key for domain example.org and selector s1 (each "
       "[[dkim.sign]] needs its own domain and selector)"},
      // [[route]]
      {"routes", "[[route]]\ndomains = [\"corp.example\", \".corp.example\"]\n"
       "next_hop = \"[192.0.2.10]:25\"\ntls = \"encrypt\"\n[[route]]\ndomains = [\"*\"]\n"
       "senders = [\"news.example.org\"]\nnext_hop = [\"a.provider.example:465\", "
       "\"b.provider.example:465\"]\nimplicit_tls = true\nauth_file = \"provider.auth\"\n"
       "source_address = \"2001:db8::25\"\n", ""},
      {"route without domains", "[[route]]\nnext_hop = \"relay.example:25\"\n",
       "test.toml:1: route[0]: domains is missing (the recipient domains it is for)"},
      {"implicit TLS to MX hosts", "[[route]]\ndomains = [\"*\"]\nimplicit_tls = true\n",
       "test.toml:3: route[0].implicit_tls: needs next hops of their own (\"host:465\"): MX hosts "
       "take STARTTLS on port 25"},
      {"a password without TLS", "[[route]]\ndomains = [\"*\"]\nnext_hop = \"r.example:587\"\n"
       "tls = \"none\"\nauth_file = \"a\"\n",
       "test.toml:5: route[0].auth_file: needs a TLS floor of \"encrypt\" or stronger: a password "
       "is never sent in plain text (route tls is \"none\")"},
      {"source address that is a name", "[[route]]\ndomains = [\"*\"]\n"
       "source_address = \"relay.example\"\n",
       "test.toml:3: route[0].source_address: expected an IPv4 or IPv6 address, got "
       "\"relay.example\""},
      {"empty next hop list", "[[route]]\ndomains = [\"*\"]\nnext_hop = []\n",
       "test.toml:3: route[0].next_hop: expected at least one next hop"},
      {"verify with an address for a next hop",
       "[[route]]\ndomains = [\"*\"]\nnext_hop = [\"r.example\", \"[192.0.2.1]\"]\n"
       "tls = \"verify\"\n",
       "test.toml:4: route[0].tls: \"verify\" checks the certificate against the next hop's name, "
       "and [192.0.2.1] has none: name the next hop (\"relay.example.com:25\") or use "
       "\"encrypt\""},
      {"implicit TLS with tls none",
       "[[route]]\ndomains = [\"*\"]\nnext_hop = \"r.example:465\"\nimplicit_tls = true\n"
       "tls = \"none\"\n",
       "test.toml:4: route[0].implicit_tls: TLS from the first byte contradicts tls = \"none\" "
       "(plain text); use \"encrypt\" or stronger"},
      {"dane-only at a next hop by name",
       "[[route]]\ndomains = [\"*\"]\nnext_hop = \"r.example:25\"\ntls = \"dane-only\"\n", ""},
      {"dane at an address next hop",
       "[[route]]\ndomains = [\"*\"]\nnext_hop = [\"r.example\", \"[192.0.2.1]:25\"]\n"
       "tls = \"dane\"\n",
       "test.toml:4: route[0].tls: \"dane\" looks up TLSA records (RFC 7672) under the next hop's "
       "name, and [192.0.2.1] has none: name the next hop (\"relay.example.com:25\") or use "
       "\"encrypt\""},
      {"dane-only for MX delivery", "[[route]]\ndomains = [\"*\"]\ntls = \"dane-only\"\n", ""},
      {"validation probe at the root", "[dane]\nvalidation_probe = \".\"\n", ""},
      {"validation probe at a trust anchor's zone", "[dane]\nvalidation_probe = \"test.\"\n",
       ""},
      {"validation probe that is no DNS name", "[dane]\nvalidation_probe = \"a..test\"\n",
       "test.toml:2: dane.validation_probe: expected a DNS name (\".\" for the root), got "
       "\"a..test\""},
      {"delivery source address", "[delivery]\nsource_address = \"::1x\"\n",
       "test.toml:2: delivery.source_address: expected an IPv4 or IPv6 address, got \"::1x\""},
      {"log level", "[log]\nlevel = \"verbose\"\n",
       "test.toml:2: log.level: expected one of \"trace\", \"debug\", \"info\", \"warn\", "
       "\"error\", \"critical\" or \"off\", got \"verbose\""},
      // All problems at once, in file order.
      {"several problems in file order",
       "[log]\nlevel = \"loud\"\n[server]\ntls_key = \"k.pem\"\ncommand_timeout = \"0s\"\n",
       "test.toml:2: log.level: expected one of \"trace\", \"debug\", \"info\", \"warn\", "
       "\"error\", \"critical\" or \"off\", got \"loud\"\n"
       "test.toml:4: server.tls_key: is set but server.tls_cert is empty: set both (STARTTLS) "
       "or neither\n"
       "test.toml:5: server.command_timeout: must not be zero"},
  };
  for (const Row& row : rows) {
    SCOPED_TRACE(row.name);
    auto parsed = parse_config(row.text, "test.toml");
    ASSERT_TRUE(parsed.ok()) << parsed.error().message;
    auto valid = validate_config(*parsed);
    if (row.error.empty()) {
      EXPECT_TRUE(valid.ok()) << valid.error().message;
      continue;
    }
    ASSERT_FALSE(valid.ok());
    EXPECT_EQ(valid.error().kind, core::ErrorKind::invalid);
    const std::string& message = valid.error().message;
    if (row.prefix) {
      EXPECT_TRUE(message.starts_with(row.error)) << message;
      EXPECT_EQ(message.find('\n'), std::string::npos) << "one problem expected: " << message;
      EXPECT_GT(message.size(), row.error.size()) << "the reason is missing";
    } else {
      EXPECT_EQ(message, row.error);
    }
  }
}

TEST(IsLogLevel, SpdlogNames) {
  for (std::string_view name : {"trace", "debug", "info", "warn", "warning", "error",
                                "critical", "off"}) {
    SCOPED_TRACE(name);
    EXPECT_TRUE(is_log_level(name));
  }
  for (std::string_view name : {"", "INFO", "verbose", "fatal", "err"}) {
    SCOPED_TRACE(name);
    EXPECT_FALSE(is_log_level(name));
  }
}

}  // namespace
}  // namespace stsrelay::app
