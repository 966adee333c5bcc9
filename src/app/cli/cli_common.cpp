#include "src/app/cli/cli_common.hpp"

#include <iostream>

#include "src/app/config/config_load.hpp"

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

}  // namespace stsrelay::app
