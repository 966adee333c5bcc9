// Durations as the configuration writes them: a whole number and one unit, "30s", "10m", "1h",
// "5d" (README, "Configuration"). Pure.
#pragma once

#include <chrono>
#include <string>
#include <string_view>

#include "src/core/result.hpp"

namespace stsrelay::app {

// Parses "<digits><unit>" with unit s, m, h or d. "0s" is a duration (whether zero is allowed
// is the caller's rule). No sign, no spaces, no fractions, no combined forms ("1h30m" is
// "90m"); the error says what was wrong. At most 100 years, so any value fits every clock.
core::Result<std::chrono::seconds> parse_duration(std::string_view text);

// The shortest exact form: 90 s -> "90s", 600 s -> "10m", 86400 s -> "1d".
std::string format_duration(std::chrono::seconds d);

}  // namespace stsrelay::app
