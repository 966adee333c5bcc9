#include "src/app/config/config_parser.hpp"

#include <optional>
#include <string>

#include "src/app/config/toml_reader.hpp"
#include "src/core/ascii.hpp"
#include "src/core/domain_name.hpp"

namespace stsrelay::app {
namespace {

constexpr std::string_view kEnforcementTokens = R"("policy", "testing" or "off")";

std::optional<core::LogFormat> parse_log_format(std::string_view token) {
  if (token == "text") return core::LogFormat::text;
  if (token == "json") return core::LogFormat::json;
  return std::nullopt;
}

// "HH:MM", 00:00 to 23:59, two digits each (a time of day in UTC).
std::optional<std::chrono::minutes> parse_time_of_day(std::string_view text) {
  if (text.size() != 5 || text[2] != ':' || !core::is_digits(text.substr(0, 2)) ||
      !core::is_digits(text.substr(3))) {
    return std::nullopt;
  }
  const int hours = (text[0] - '0') * 10 + (text[1] - '0');
  const int minutes = (text[3] - '0') * 10 + (text[4] - '0');
  if (hours > 23 || minutes > 59) return std::nullopt;
  return std::chrono::minutes{hours * 60 + minutes};
}

void read_server(TableReader& r, ServerConfig& c) {
  r.string_list("listen", c.listen);
  r.string("hostname", c.hostname);
  r.string("tls_cert", c.tls_cert);
  r.string("tls_key", c.tls_key);
  r.positive("max_message_size", c.max_message_size);
  r.positive("max_recipients", c.max_recipients);
  r.positive("max_connections", c.max_connections);
  r.positive("max_connections_per_ip", c.max_connections_per_ip);
  r.boolean("add_missing_headers", c.add_missing_headers);
  r.duration("command_timeout", c.command_timeout);
  r.duration("data_timeout", c.data_timeout);
  r.positive("max_auth_failures", c.max_auth_failures);
  r.positive("max_bad_commands", c.max_bad_commands);
}

void read_relay(TableReader& r, RelayConfig& c) {
  r.string_list("allow_networks", c.allow_networks);
  r.string("auth_users_file", c.auth_users_file);
}

void read_queue(TableReader& r, QueueConfig& c) {
  r.string("state_dir", c.state_dir);
  r.duration_list("retry_schedule", c.retry_schedule);
  r.duration("max_lifetime", c.max_lifetime);
}

void read_delivery(TableReader& r, DeliveryConfig& c) {
  r.string("helo_name", c.helo_name);
  r.string_list("dns_servers", c.dns_servers);
  r.duration("dns_timeout", c.dns_timeout);
  r.positive("dns_tries", c.dns_tries);
  r.string("ca_file", c.ca_file);
  r.string("source_address", c.source_address);
  r.positive("concurrency", c.concurrency);
  r.positive("per_domain_concurrency", c.per_domain_concurrency);
  r.boolean("dry_run", c.dry_run);
  r.duration("connect_timeout", c.connect_timeout);
  r.duration("command_timeout", c.command_timeout);
  r.duration("data_timeout", c.data_timeout);
}

// [sts.override] and [dane.override]: every key is a domain, every value a local mode. Domains
// are normalised here (lower case, A-labels, no trailing dot) so that the lookup at delivery is
// plain equality.
void read_overrides(const toml::table& table, TableReader& sts,
                    std::map<std::string, sts::LocalEnforcement>& overrides) {
  const std::string path = sts.key_path("override");
  for (const auto& [key, node] : table) {
    const std::string key_path = join_key(path, key.str());
    auto mode = node.is_string() ? sts::parse_local_enforcement(node.as_string()->get())
                                 : std::nullopt;
    if (!mode) {
      sts.problem_at(node, key_path,
                     "expected " + std::string(kEnforcementTokens) + ", got " +
                         describe_value(node));
      continue;
    }
    auto domain = core::normalize_domain(key.str());
    if (!domain) {
      sts.problem_at(node, key_path, "not a domain name: " + domain.error().message);
      continue;
    }
    if (!overrides.emplace(*domain, *mode).second) {
      sts.problem_at(node, key_path, "\"" + *domain + "\" is overridden twice");
      continue;
    }
    sts.note_at(node, key_path);
  }
}

void read_sts(TableReader& r, StsConfig& c) {
  r.converted("enforcement", c.enforcement, kEnforcementTokens, sts::parse_local_enforcement);
  r.duration("fetch_timeout", c.fetch_timeout);
  r.positive("max_policy_size", c.max_policy_size);
  if (const toml::table* overrides = r.table("override")) {
    read_overrides(*overrides, r, c.overrides);
  }
}

void read_dane(TableReader& r, DaneConfig& c) {
  r.converted("enforcement", c.enforcement, kEnforcementTokens, sts::parse_local_enforcement);
  r.string("validation_probe", c.validation_probe);
  if (const toml::table* overrides = r.table("override")) {
    read_overrides(*overrides, r, c.overrides);
  }
}

void read_tlsrpt(TableReader& r, TlsrptConfig& c) {
  r.boolean("enabled", c.enabled);
  r.string("organization_name", c.organization_name);
  r.string("contact_info", c.contact_info);
  r.string("submitter", c.submitter);
  r.converted("send_at", c.send_at, "a UTC time of day \"HH:MM\"", parse_time_of_day);
  r.duration("max_send_delay", c.max_send_delay);
  r.string("dkim_selector", c.dkim_selector);
  r.string("dkim_key_file", c.dkim_key_file);
  r.duration("retention", c.retention);
}

void read_dkim(TableReader& r, DkimConfig& c, const ConfigSource& source) {
  r.tables("sign", [&](TableReader& t) {
    DkimSignConfig sign;
    t.string("domain", sign.domain);
    t.string("selector", sign.selector);
    t.string("key_file", sign.key_file);
    sign.where = source.where(t.path());
    c.sign.push_back(std::move(sign));
  });
}

constexpr std::string_view kFloorTokens =
    R"("none", "may", "encrypt", "dane", "dane-only", "verify" or "secure")";

// Converts each item with `parse`; a problem names the key and the item.
template <class T, class Parse>
std::vector<T> parse_items(TableReader& t, std::string_view key,
                           const std::vector<std::string>& items, Parse parse) {
  std::vector<T> out;
  for (std::size_t i = 0; i < items.size(); ++i) {
    auto value = parse(items[i]);
    if (!value) {
      t.problem(key, (items.size() > 1 ? "item " + std::to_string(i) + ": " : std::string()) +
                         value.error().message);
      continue;
    }
    out.push_back(std::move(*value));
  }
  return out;
}

void read_route(TableReader& t, delivery::Route& r) {
  std::vector<std::string> domains;
  std::vector<std::string> senders;
  std::vector<std::string> hops{"mx"};
  t.string_list("domains", domains);
  t.string_list("senders", senders);
  t.string_or_list("next_hop", hops);
  t.converted("tls", r.tls, kFloorTokens, delivery::parse_tls_floor);
  t.boolean("implicit_tls", r.implicit_tls);
  t.string("auth_file", r.auth_file);
  t.string("source_address", r.source_address);
  r.domains = parse_items<std::string>(t, "domains", domains, delivery::parse_domain_pattern);
  r.senders = parse_items<std::string>(t, "senders", senders, delivery::parse_domain_pattern);
  r.next_hops = parse_items<delivery::NextHop>(t, "next_hop", hops, delivery::parse_next_hop);
}

void read_metrics(TableReader& r, MetricsConfig& c) {
  r.string("listen", c.listen);
  r.boolean("allow_remote", c.allow_remote);
}

void read_cluster(TableReader& r, ClusterConfig& c) {
  r.string("database", c.database);
  r.string("node_name", c.node_name);
  r.string("password_file", c.password_file);
  r.duration("report_lease", c.report_lease);
}

void read_log(TableReader& r, LogConfig& c) {
  r.string("level", c.level);
  r.converted("format", c.format, R"("text" or "json")", parse_log_format);
}

}  // namespace

core::Result<ParsedConfig> parse_config(std::string_view text, std::string_view file) {
  toml::table root;
  try {
    root = toml::parse(text, file);
  } catch (const toml::parse_error& e) {
    const auto& begin = e.source().begin;
    return core::Error::invalid(std::string(file) + ":" + std::to_string(begin.line) + ":" +
                                std::to_string(begin.column) + ": " +
                                std::string(e.description()));
  }

  ParsedConfig out{Config{}, ConfigSource(std::string(file))};
  Problems problems;
  TableReader top(root, "", out.source, problems);
  auto section = [&](std::string_view name, auto read) {
    if (const toml::table* t = top.table(name)) {
      TableReader r(*t, std::string(name), out.source, problems);
      read(r);
      r.finish();
    }
  };
  Config& c = out.config;
  section("server", [&](TableReader& r) { read_server(r, c.server); });
  section("relay", [&](TableReader& r) { read_relay(r, c.relay); });
  section("queue", [&](TableReader& r) { read_queue(r, c.queue); });
  section("delivery", [&](TableReader& r) { read_delivery(r, c.delivery); });
  section("sts", [&](TableReader& r) { read_sts(r, c.sts); });
  section("dane", [&](TableReader& r) { read_dane(r, c.dane); });
  section("tlsrpt", [&](TableReader& r) { read_tlsrpt(r, c.tlsrpt); });
  section("dkim", [&](TableReader& r) { read_dkim(r, c.dkim, out.source); });
  top.tables("route", [&](TableReader& r) {
    read_route(r, c.routes.emplace_back());
  });
  section("metrics", [&](TableReader& r) { read_metrics(r, c.metrics); });
  section("log", [&](TableReader& r) { read_log(r, c.log); });
  section("cluster", [&](TableReader& r) { read_cluster(r, c.cluster); });
  top.finish();

  if (!problems.items.empty()) return core::Error::invalid(problems.joined());
  return out;
}

}  // namespace stsrelay::app
