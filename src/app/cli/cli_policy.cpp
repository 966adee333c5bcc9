// `stsrelay policy list | show DOMAIN | refresh DOMAIN`: the MTA-STS policy cache (sts.db in
// queue.state_dir) through its own connection, safe while the daemon runs.
//   list     every cached domain with its id, mode, fetch time and expiry
//   show     one domain: the cached policy text, id, mode, times and the last failed fetch
//   refresh  looks the TXT record up and fetches the policy now with the daemon's settings
//            (delivery.dns_servers, delivery.ca_file, sts.fetch_timeout, sts.max_policy_size),
//            ignoring the 5-minute wait after a failure, and stores the result in sts.db
// Exit status: 0 success, 1 failure (nothing cached, I/O, failed fetch), 2 usage/config.
#include <CLI/CLI.hpp>
#include <spdlog/spdlog.h>

#include <filesystem>
#include <iostream>
#include <memory>
#include <optional>

#include <boost/asio/io_context.hpp>

#include "src/app/cli/cli_common.hpp"
#include "src/app/config/delivery_settings_map.hpp"
#include "src/app/cli/policy_format.hpp"
#include "src/net/dns_cares_resolver.hpp"
#include "src/net/https_client.hpp"
#include "sts/policy_fetcher.hpp"
#include "sts/policy_resolver.hpp"

namespace stsrelay::app {
namespace {

struct PolicyOptions {
  std::string domain;
};

std::filesystem::path sts_db(const Config& config) {
  return std::filesystem::path(config.queue.state_dir) / "sts.db";
}

// Runs `body` with the cache at <state_dir>/sts.db.
int with_cache(const Config& config, const std::function<int(sts::PolicyCache&)>& body) {
  return with_state_db(
      sts_db(config), "policy cache", "the relay creates it with its first policy",
      [](const std::filesystem::path& path) { return sts::PolicyCache::open(path.string()); },
      body);
}

int run_list(const CliContext& ctx) {
  auto config = load_config_for_cli(ctx);
  if (!config) return kExitUsage;
  return with_cache(*config, [](sts::PolicyCache& cache) {
    auto entries = cache.list();
    if (!entries) return report_failure(entries.error());
    std::cout << format_policy_list(*entries, core::SystemClock().now()) << std::flush;
    return kExitOk;
  });
}

int run_show(const CliContext& ctx, const PolicyOptions& o) {
  const auto args = config_and_domain(ctx, o.domain);
  if (!args) return kExitUsage;
  const Config& config = args->config;
  const std::string& domain = args->domain;
  return with_cache(config, [&](sts::PolicyCache& cache) {
    auto state = cache.load(domain);
    if (!state) return report_failure(state.error());
    auto failure = cache.load_failure(domain);
    if (!failure) return report_failure(failure.error());
    if (!state->cached && !failure->has_value()) {
      return report_failure(core::Error::not_found("no cached policy for " + domain));
    }
    PolicyView view{domain, state->cached, {}, *failure};
    if (state->cached) {
      auto text = cache.load_text(domain);
      if (!text) return report_failure(text.error());
      view.text = std::move(*text);
    }
    std::cout << format_policy_view(view, core::SystemClock().now()) << std::flush;
    return kExitOk;
  });
}

// Sets up DNS and HTTPS as the daemon does, refreshes once, and stops.
int run_refresh(const CliContext& ctx, const PolicyOptions& o) {
  const auto args = config_and_domain(ctx, o.domain);
  if (!args) return kExitUsage;
  const Config& config = args->config;
  const std::string& domain = args->domain;
  if (!std::filesystem::is_directory(config.queue.state_dir)) {
    return report_failure(core::Error::not_found(config.queue.state_dir +
                                                 ": queue.state_dir is not a directory"));
  }
  net::ResolverSettings dns_settings;
  if (!resolver_settings_for_cli(config, dns_settings)) return kExitUsage;
  auto cache = sts::PolicyCache::open(sts_db(config).string());
  if (!cache) return report_failure(cache.error());

  // The result line says what happened; the fetcher's own lines stay for warnings.
  spdlog::set_level(spdlog::level::warn);
  core::SystemClock clock;
  boost::asio::io_context io;
  auto dns = net::CaresResolver::create(io.get_executor(), dns_settings, clock);
  if (!dns) return report_failure(dns.error());
  auto https = net::HttpsClient::create(io.get_executor(), **dns, {config.delivery.ca_file});
  if (!https) return report_failure(https.error());
  sts::PolicyFetcher fetcher(**https,
                             {std::chrono::duration_cast<std::chrono::milliseconds>(
                                  config.sts.fetch_timeout),
                              config.sts.max_policy_size});
  std::optional<sts::PolicyLookup> answer;
  {
    sts::PolicyResolver resolver(**dns, fetcher, **cache, clock);
    // An administrator's explicit request: the 5-minute wait of RFC 8461 §3.3 does not apply.
    resolver.refresh(
        domain,
        [&io, &answer](sts::PolicyLookup l) {
          answer = std::move(l);
          io.stop();
        },
        true);
    io.run();
  }
  if (!answer) return report_failure(core::Error::temporary("refresh did not complete"));
  std::cout << format_policy_lookup(*answer) << std::flush;
  const bool nothing_to_fetch = !answer->fetch_failure && answer->reason == "no-record";
  return answer->origin == sts::PolicyOrigin::fetched || nothing_to_fetch ? kExitOk
                                                                         : kExitFailure;
}

}  // namespace

void add_policy_commands(CLI::App& app, CliContext& ctx) {
  auto options = std::make_shared<PolicyOptions>();
  CLI::App* p = app.add_subcommand("policy", "show and refresh cached MTA-STS policies");
  p->require_subcommand(1);

  CLI::App* list = p->add_subcommand("list", "list cached policies: domain, id, mode, times");
  run_when_chosen(*list, ctx, [&ctx] { return run_list(ctx); });

  CLI::App* show = p->add_subcommand("show", "show the cached policy of a domain");
  show->add_option("DOMAIN", options->domain, "recipient domain")->required();
  run_when_chosen(*show, ctx, [&ctx, options] { return run_show(ctx, *options); });

  CLI::App* refresh = p->add_subcommand(
      "refresh", "look up the TXT record and fetch the policy of a domain now; store it");
  refresh->add_option("DOMAIN", options->domain, "recipient domain")->required();
  run_when_chosen(*refresh, ctx, [&ctx, options] { return run_refresh(ctx, *options); });
}

}  // namespace stsrelay::app
