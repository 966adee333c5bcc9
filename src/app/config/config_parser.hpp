// Parsing the TOML configuration into the typed Config (config.hpp). Pure: text in, value or
// error out; no file access. toml++ checks TOML syntax; this checks every key against the
// contract of the configuration (README, "Configuration"; etc/stsrelay.toml): unknown keys, the
// type of each value, and the syntax of typed strings (durations "30s"/"10m"/"1h"/"5d", send_at
// "HH:MM", enumerations, [sts.override] domains). Checks between keys and of addresses live in config_validate.hpp.
//
// Every problem is one line: `file:line: dotted.key: expected ..., got ...` (an unknown key
// says which known key it resembles, or lists them); all problems of the text are reported at
// once, not only the first. A TOML syntax error is reported as
// `file:line:column: <toml++'s description>`.
#pragma once

#include <string_view>

#include "src/app/config/config.hpp"
#include "src/app/config/config_source.hpp"
#include "src/core/result.hpp"

namespace stsrelay::app {

struct ParsedConfig {
  Config config;
  ConfigSource source;
};

// `file` names the text in messages (the path as the user gave it). Keys not written keep the
// defaults of config.hpp.
core::Result<ParsedConfig> parse_config(std::string_view text, std::string_view file);

}  // namespace stsrelay::app
