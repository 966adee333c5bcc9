// Loading the configuration file: read, parse (config_parser.hpp), validate
// (config_validate.hpp). The only file access of the configuration; used at start-up, on
// SIGHUP and by every CLI command.
#pragma once

#include <filesystem>

#include "src/app/config/config.hpp"
#include "src/core/result.hpp"

namespace stsrelay::app {

// Errors name the file as given: "etc/stsrelay.toml: cannot read: No such file or directory",
// or the problems of parsing and validation, one per line.
core::Result<Config> load_config(const std::filesystem::path& file);

}  // namespace stsrelay::app
