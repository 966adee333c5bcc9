// What every `stsrelay` command shares: exit statuses, the --config option's value, loading the
// configuration with its problems printed on stderr, the parts of a command's set-up and run that
// recur (a domain argument, a database in queue.state_dir), and the function each command file
// registers its subcommands with.
#pragma once

#include <filesystem>
#include <functional>
#include <optional>
#include <string>
#include <string_view>

#include "src/app/config/config.hpp"
#include "src/core/result.hpp"

namespace CLI { class App; }
namespace stsrelay::net { struct ResolverSettings; }

namespace stsrelay::app {

inline constexpr int kExitOk = 0;
inline constexpr int kExitFailure = 1;  // not found, I/O and run-time failures
inline constexpr int kExitUsage = 2;    // bad command line or configuration

inline constexpr std::string_view kDefaultConfig = "etc/stsrelay.toml";

// What the `queue` and `report` subcommands take: --json (list, show) and an ID (show and the
// others that act on one item).
struct ListShowOptions {
  bool json = false;
  std::string id;
};

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

// Sets ctx.action to `action` when `command` is the subcommand chosen.
void run_when_chosen(CLI::App& command, CliContext& ctx, std::function<int()> action);

// The DNS settings of `config` (delivery.dns_servers, ...) into `out`, or false after printing
// why they are unusable.
bool resolver_settings_for_cli(const Config& config, net::ResolverSettings& out);

// `text` as a normalised domain name, or nullopt after printing why it is not one.
std::optional<std::string> domain_argument(const std::string& text);

// What a command about one domain starts with: the configuration and its DOMAIN argument, or
// nullopt after printing why either is unusable.
struct ConfigAndDomain {
  Config config;
  std::string domain;
};
std::optional<ConfigAndDomain> config_and_domain(const CliContext& ctx,
                                                 const std::string& domain_text);

// The not-found error for a database in queue.state_dir that is not at `path`: `what` it is and
// `made_by`, what makes it (may be empty). Nullopt when it is there.
std::optional<core::Error> missing_state_db(const std::filesystem::path& path,
                                            std::string_view what, std::string_view made_by);

// Runs `body` with the database at `path` in queue.state_dir as `open` gives it, which must
// exist: opening would create an empty database where a wrong state_dir points.
template <typename Open, typename Body>
int with_state_db(const std::filesystem::path& path, std::string_view what,
                  std::string_view made_by, Open open, Body body) {
  if (auto missing = missing_state_db(path, what, made_by)) return report_failure(*missing);
  auto db = open(path);
  if (!db) return report_failure(db.error());
  return body(**db);
}

// Each registers its subcommand(s) on `app` and sets ctx.action when chosen; the file named
// beside it says what the command does.
void add_serve_command(CLI::App& app, CliContext& ctx);    // cli_serve.cpp
void add_queue_commands(CLI::App& app, CliContext& ctx);   // cli_queue.cpp
void add_passwd_command(CLI::App& app, CliContext& ctx);   // cli_passwd.cpp
void add_policy_commands(CLI::App& app, CliContext& ctx);  // cli_policy.cpp
void add_check_command(CLI::App& app, CliContext& ctx);    // cli_check.cpp
void add_dkim_commands(CLI::App& app, CliContext& ctx);    // cli_dkim.cpp
void add_dkim_check_command(CLI::App& dkim, CliContext& ctx);  // cli_dkim_check.cpp
void add_route_command(CLI::App& app, CliContext& ctx);    // cli_route.cpp
void add_report_commands(CLI::App& app, CliContext& ctx);  // cli_report.cpp
void add_health_command(CLI::App& app, CliContext& ctx);   // cli_health.cpp
void add_cluster_command(CLI::App& app, CliContext& ctx);  // cli_cluster.cpp

}  // namespace stsrelay::app
