#include "src/app/config/duration.hpp"

#include <cstdint>

namespace stsrelay::app {
namespace {

constexpr std::int64_t kMaxSeconds = 100LL * 366 * 86400;

std::string quoted(std::string_view text) { return "\"" + std::string(text) + "\""; }

}  // namespace

core::Result<std::chrono::seconds> parse_duration(std::string_view text) {
  if (text.empty()) return core::Error::invalid("empty duration");
  std::int64_t unit = 0;
  switch (text.back()) {
    case 's': unit = 1; break;
    case 'm': unit = 60; break;
    case 'h': unit = 3600; break;
    case 'd': unit = 86400; break;
    default:
      return core::Error::invalid(quoted(text) + " has no unit (s, m, h or d)");
  }
  const std::string_view digits = text.substr(0, text.size() - 1);
  if (digits.empty()) return core::Error::invalid(quoted(text) + " has no number");
  std::int64_t n = 0;
  for (char c : digits) {
    if (c < '0' || c > '9') {
      return core::Error::invalid(quoted(text) + " is not a whole number and one unit");
    }
    n = n * 10 + (c - '0');
    if (n * unit > kMaxSeconds) return core::Error::invalid(quoted(text) + " is too long");
  }
  return std::chrono::seconds{n * unit};
}

std::string format_duration(std::chrono::seconds d) {
  const std::int64_t s = d.count();
  if (s != 0 && s % 86400 == 0) return std::to_string(s / 86400) + "d";
  if (s != 0 && s % 3600 == 0) return std::to_string(s / 3600) + "h";
  if (s != 0 && s % 60 == 0) return std::to_string(s / 60) + "m";
  return std::to_string(s) + "s";
}

}  // namespace stsrelay::app
