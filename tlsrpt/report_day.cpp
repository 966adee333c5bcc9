#include "tlsrpt/report_day.hpp"

#include <cstdio>

#include "src/core/ascii.hpp"

namespace stsrelay::tlsrpt {
namespace {

int to_int(std::string_view digits) {
  int n = 0;
  for (char c : digits) n = n * 10 + (c - '0');
  return n;
}

}  // namespace

Day utc_day(core::SysTime t) { return std::chrono::floor<std::chrono::days>(t); }

std::string format_day(Day day) {
  const std::chrono::year_month_day ymd{day};
  char buf[16];
  std::snprintf(buf, sizeof buf, "%04d-%02u-%02u", static_cast<int>(ymd.year()),
                static_cast<unsigned>(ymd.month()), static_cast<unsigned>(ymd.day()));
  return buf;
}

core::Result<Day> parse_day(std::string_view text) {
  const auto bad = [&] {
    return core::Error::invalid("\"" + std::string(text.substr(0, 40)) +
                                "\" is not a day in the form YYYY-MM-DD");
  };
  if (text.size() != 10 || text[4] != '-' || text[7] != '-') return bad();
  const auto y = text.substr(0, 4), m = text.substr(5, 2), d = text.substr(8, 2);
  if (!core::is_digits(y) || !core::is_digits(m) || !core::is_digits(d)) return bad();
  const std::chrono::year_month_day ymd{std::chrono::year{to_int(y)},
                                        std::chrono::month{static_cast<unsigned>(to_int(m))},
                                        std::chrono::day{static_cast<unsigned>(to_int(d))}};
  if (!ymd.ok()) return bad();
  return Day{ymd};
}

core::SysTime day_begin(Day day) { return core::SysTime{day.time_since_epoch()}; }

core::SysTime day_end(Day day) {
  return day_begin(day) + std::chrono::days{1} - std::chrono::seconds{1};
}

std::string format_rfc3339(core::SysTime t) {
  const auto seconds = std::chrono::floor<std::chrono::seconds>(t);
  const Day day = std::chrono::floor<std::chrono::days>(seconds);
  const std::chrono::hh_mm_ss hms{seconds - day};
  char buf[16];
  std::snprintf(buf, sizeof buf, "T%02d:%02d:%02dZ", static_cast<int>(hms.hours().count()),
                static_cast<int>(hms.minutes().count()), static_cast<int>(hms.seconds().count()));
  return format_day(day) + buf;
}

}  // namespace stsrelay::tlsrpt
