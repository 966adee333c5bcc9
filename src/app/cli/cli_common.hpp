// What every `stsrelay` command shares: exit statuses, the --config option's value, and loading
// the configuration with its problems printed on stderr.
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <string_view>

#include "src/app/config/config.hpp"
#include "src/core/result.hpp"

namespace CLI { class App; }

namespace stsrelay::app {

inline constexpr int kExitOk = 0;
inline constexpr int kExitFailure = 1;  // not found, I/O and run-time failures
inline constexpr int kExitUsage = 2;    // bad command line or configuration

inline constexpr std::string_view kDefaultConfig = "etc/stsrelay.toml";

struct CliContext {
  std::string config_path{kDefaultConfig};
  // Set by the chosen command's parse callback; run after parsing succeeded.
  std::function<int()> action;
};

// "stsrelay: <message>" on stderr; each line of a multi-line message is prefixed.
void print_error(std::string_view message);

// The configuration at ctx.config_path, or nullopt after printing why it is unusable.
std::optional<Config> load_config_for_cli(const CliContext& ctx);

// The exit status for a failed operation: 1 for all kinds (usage problems are found before).
int report_failure(const core::Error& error);

// Each registers its subcommand(s) on `app` and sets ctx.action when chosen.
void add_serve_command(CLI::App& app, CliContext& ctx);
void add_queue_commands(CLI::App& app, CliContext& ctx);
void add_passwd_command(CLI::App& app, CliContext& ctx);

}  // namespace stsrelay::app
