#include "src/app/cli/cli_policy.hpp"

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
#include "src/core/domain_name.hpp"
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

// Runs `body` with the cache at <state_dir>/sts.db, which must exist (opening would create an
// empty database where a wrong state_dir points).
int with_cache(const Config& config, const std::function<int(sts::PolicyCache&)>& body) {
  const auto path = sts_db(config);
  if (!std::filesystem::exists(path)) {
    return report_failure(core::Error::not_found(
        path.string() + ": no policy cache (the relay creates it with its first policy; is "
                        "queue.state_dir right?)"));
  }
  auto cache = sts::PolicyCache::open(path.string());
  if (!cache) return report_failure(cache.error());
  return body(**cache);
}

std::optional<std::string> domain_argument(const std::string& text) {
  auto domain = core::normalize_domain(text);
  if (!domain) {
    print_error("\"" + text + "\" is not a domain name: " + domain.error().message);
    return std::nullopt;
  }
  return std::move(domain.value());
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
  auto config = load_config_for_cli(ctx);
  if (!config) return kExitUsage;
  auto domain = domain_argument(o.domain);
  if (!domain) return kExitUsage;
  return with_cache(*config, [&](sts::PolicyCache& cache) {
    auto state = cache.load(*domain);
    if (!state) return report_failure(state.error());
    auto failure = cache.load_failure(*domain);
    if (!failure) return report_failure(failure.error());
    if (!state->cached && !failure->has_value()) {
      return report_failure(core::Error::not_found("no cached policy for " + *domain));
    }
    PolicyView view{*domain, state->cached, {}, *failure};
    if (state->cached) {
      auto text = cache.load_text(*domain);
      if (!text) return report_failure(text.error());
      view.text = std::move(*text);
    }
    std::cout << format_policy_view(view, core::SystemClock().now()) << std::flush;
    return kExitOk;
  });
}

// Sets up DNS and HTTPS as the daemon does, refreshes once, and stops.
int run_refresh(const CliContext& ctx, const PolicyOptions& o) {
  auto config = load_config_for_cli(ctx);
  if (!config) return kExitUsage;
  auto domain = domain_argument(o.domain);
  if (!domain) return kExitUsage;
  if (!std::filesystem::is_directory(config->queue.state_dir)) {
    return report_failure(core::Error::not_found(config->queue.state_dir +
                                                 ": queue.state_dir is not a directory"));
  }
  auto dns_settings = to_resolver_settings(*config);
  if (!dns_settings) {
    print_error(dns_settings.error().message);
    return kExitUsage;
  }
  auto cache = sts::PolicyCache::open(sts_db(*config).string());
  if (!cache) return report_failure(cache.error());

  // The result line says what happened; the fetcher's own lines stay for warnings.
  spdlog::set_level(spdlog::level::warn);
  core::SystemClock clock;
  boost::asio::io_context io;
  auto dns = net::CaresResolver::create(io.get_executor(), *dns_settings, clock);
  if (!dns) return report_failure(dns.error());
  auto https = net::HttpsClient::create(io.get_executor(), **dns, {config->delivery.ca_file});
  if (!https) return report_failure(https.error());
  sts::PolicyFetcher fetcher(**https,
                             {std::chrono::duration_cast<std::chrono::milliseconds>(
                                  config->sts.fetch_timeout),
                              config->sts.max_policy_size});
  std::optional<sts::PolicyLookup> answer;
  {
    sts::PolicyResolver resolver(**dns, fetcher, **cache, clock);
    // An administrator's explicit request: the 5-minute wait of RFC 8461 §3.3 does not apply.
    resolver.refresh(
        *domain,
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
  list->callback([&ctx] { ctx.action = [&ctx] { return run_list(ctx); }; });

  CLI::App* show = p->add_subcommand("show", "show the cached policy of a domain");
  show->add_option("DOMAIN", options->domain, "recipient domain")->required();
  show->callback([&ctx, options] {
    ctx.action = [&ctx, options] { return run_show(ctx, *options); };
  });

  CLI::App* refresh = p->add_subcommand(
      "refresh", "look up the TXT record and fetch the policy of a domain now; store it");
  refresh->add_option("DOMAIN", options->domain, "recipient domain")->required();
  refresh->callback([&ctx, options] {
    ctx.action = [&ctx, options] { return run_refresh(ctx, *options); };
  });
}

}  // namespace stsrelay::app
