// `stsrelay dkim check DOMAIN [--selector S] [--config FILE]`: for each [[dkim.sign]] key of
// DOMAIN (or only selector S), looks up the TXT record at S._domainkey.DOMAIN through
// delivery.dns_servers and says whether it publishes that key (src/dkim/key_record_check.hpp).
// Exit status, like `stsrelay check`: 0 every key is published as configured; 1 one is not;
// 2 the check could not run (no key for DOMAIN, a key file or DNS that gave no answer).
#include <CLI/CLI.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <spdlog/spdlog.h>

#include <iostream>
#include <memory>

#include "src/app/cli/cli_common.hpp"
#include "src/app/config/signing_keys_load.hpp"
#include "src/core/ascii.hpp"
#include "src/dkim/key_record_check.hpp"
#include "src/net/await_callback.hpp"
#include "src/net/dns_cares_resolver.hpp"

namespace stsrelay::app {
namespace {

namespace asio = boost::asio;

struct DkimCheckOptions {
  std::string domain;
  std::string selector;
};

struct KeyLookup {
  const dkim::SigningKey* key;
  net::DnsResult<net::TxtRecord> txt;
};

asio::awaitable<void> look_up(net::Resolver& dns, const std::string& domain,
                              std::vector<KeyLookup>& lookups) {
  for (KeyLookup& l : lookups) {
    l.txt = co_await net::await_call(dns, &net::Resolver::resolve_txt,
                                     l.key->selector + "._domainkey." + domain);
  }
}

std::vector<std::string> joined(const std::vector<net::TxtRecord>& records) {
  std::vector<std::string> out;
  for (const net::TxtRecord& r : records) {
    std::string text;
    for (const std::string& part : r) text += part;
    out.push_back(std::move(text));
  }
  return out;
}

int run(const CliContext& ctx, const DkimCheckOptions& o) {
  const auto args = config_and_domain(ctx, o.domain);
  if (!args) return kExitUsage;
  const Config& config = args->config;
  const std::string& domain = args->domain;
  auto keys = load_signing_keys(config.dkim);
  if (!keys) {
    print_error(keys.error().message);
    return kExitUsage;
  }
  std::vector<KeyLookup> lookups;
  for (const dkim::SigningKey* key : (*keys)->for_domain(domain)) {
    if (o.selector.empty() || core::iequals(o.selector, key->selector)) {
      lookups.push_back({key, {}});
    }
  }
  if (lookups.empty()) {
    print_error("no [[dkim.sign]] key for " + domain +
                (o.selector.empty() ? "" : " with selector " + o.selector) + " in " +
                ctx.config_path);
    return kExitUsage;
  }
  net::ResolverSettings dns_settings;
  if (!resolver_settings_for_cli(config, dns_settings)) return kExitUsage;
  core::SystemClock clock;
  asio::io_context io;
  auto dns = net::CaresResolver::create(io.get_executor(), dns_settings, clock);
  if (!dns) return report_failure(dns.error());
  spdlog::set_level(spdlog::level::err);  // the lines below say what happened
  asio::co_spawn(io, look_up(**dns, domain, lookups), asio::detached);
  io.run();

  int status = kExitOk;
  for (const KeyLookup& l : lookups) {
    const std::string name = l.key->selector + "._domainkey." + domain;
    if (l.txt.status == net::DnsStatus::temporary) {
      std::cout << "error " << name << ": no DNS answer (" << l.txt.reason
                << "); check delivery.dns_servers\n";
      status = kExitUsage;
      continue;
    }
    const dkim::KeyRecordVerdict v = dkim::check_key_record(joined(l.txt.records), l.key->key);
    std::cout << (v.ok ? "pass  " : "FAIL  ") << name << ": " << v.detail << " (" << l.key->key_file
              << ")\n";
    if (!v.ok && status == kExitOk) status = kExitFailure;
  }
  std::cout << std::flush;
  return status;
}

}  // namespace

void add_dkim_check_command(CLI::App& dkim, CliContext& ctx) {
  auto options = std::make_shared<DkimCheckOptions>();
  CLI::App* cmd = dkim.add_subcommand(
      "check",
      "check that DNS publishes the [[dkim.sign]] keys of DOMAIN (S._domainkey.DOMAIN TXT). "
      "Exit 0: all published as configured; 1: one is not; 2: the check could not run");
  cmd->add_option("DOMAIN", options->domain, "signing domain of a [[dkim.sign]] table")
      ->required();
  cmd->add_option("--selector", options->selector, "only the key of this selector");
  run_when_chosen(*cmd, ctx, [&ctx, options] { return run(ctx, *options); });
}

}  // namespace stsrelay::app
