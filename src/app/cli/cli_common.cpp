#include "src/app/cli/cli_common.hpp"

#include "src/app/config/delivery_settings_map.hpp"

#include <CLI/CLI.hpp>

#include <iostream>
#include <utility>

#include "src/app/config/config_load.hpp"
#include "src/core/domain_name.hpp"

namespace stsrelay::app {

void print_error(std::string_view message) {
  std::string out;
  std::size_t start = 0;
  while (start <= message.size()) {
    const auto nl = message.find('\n', start);
    const auto line = message.substr(start, nl == std::string_view::npos ? nl : nl - start);
    out += "stsrelay: ";
    out += line;
    out += '\n';
    if (nl == std::string_view::npos) break;
    start = nl + 1;
  }
  std::cerr << out << std::flush;
}

std::optional<Config> load_config_for_cli(const CliContext& ctx) {
  auto config = load_config(ctx.config_path);
  if (!config) {
    print_error(config.error().message);
    return std::nullopt;
  }
  return std::move(*config);
}

int report_failure(const core::Error& error) {
  print_error(error.message);
  return kExitFailure;
}

void run_when_chosen(CLI::App& command, CliContext& ctx, std::function<int()> action) {
  command.callback([&ctx, action = std::move(action)] { ctx.action = action; });
}

std::optional<ConfigAndDomain> config_and_domain(const CliContext& ctx,
                                                 const std::string& domain_text) {
  auto config = load_config_for_cli(ctx);
  if (!config) return std::nullopt;
  auto domain = domain_argument(domain_text);
  if (!domain) return std::nullopt;
  return ConfigAndDomain{std::move(*config), std::move(*domain)};
}

bool resolver_settings_for_cli(const Config& config, net::ResolverSettings& out) {
  auto settings = to_resolver_settings(config);
  if (!settings) {
    print_error(settings.error().message);
    return false;
  }
  out = std::move(*settings);
  return true;
}

std::optional<std::string> domain_argument(const std::string& text) {
  auto domain = core::normalize_domain(text);
  if (!domain) {
    print_error("\"" + text + "\" is not a domain name: " + domain.error().message);
    return std::nullopt;
  }
  return std::move(domain.value());
}

std::optional<core::Error> missing_state_db(const std::filesystem::path& path,
                                            std::string_view what, std::string_view made_by) {
  if (std::filesystem::exists(path)) return std::nullopt;
  std::string message = path.string() + ": no " + std::string(what) + " (";
  if (!made_by.empty()) message += std::string(made_by) + "; ";
  return core::Error::not_found(message + "is queue.state_dir right?)");
}

}  // namespace stsrelay::app
