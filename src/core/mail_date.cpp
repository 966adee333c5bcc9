#include "src/core/mail_date.hpp"

#include <array>
#include <chrono>
#include <cstdio>

namespace stsrelay::core {
namespace {

struct Civil {
  std::chrono::year_month_day date;
  std::chrono::weekday weekday;
  std::chrono::hh_mm_ss<std::chrono::seconds> time;
};

Civil civil(SysTime t) {
  using namespace std::chrono;
  const auto day = floor<days>(t);
  return {year_month_day{day}, weekday{day}, hh_mm_ss{floor<seconds>(t - day)}};
}

}  // namespace

std::string format_rfc5322_date(SysTime t) {
  static constexpr std::array<const char*, 7> kDays{"Sun", "Mon", "Tue", "Wed",
                                                    "Thu", "Fri", "Sat"};
  static constexpr std::array<const char*, 12> kMonths{"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                                       "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
  const Civil c = civil(t);
  char text[40];
  std::snprintf(text, sizeof text, "%s, %02u %s %04d %02d:%02d:%02d +0000",
                kDays[c.weekday.c_encoding()], static_cast<unsigned>(c.date.day()),
                kMonths[static_cast<unsigned>(c.date.month()) - 1], static_cast<int>(c.date.year()),
                static_cast<int>(c.time.hours().count()), static_cast<int>(c.time.minutes().count()),
                static_cast<int>(c.time.seconds().count()));
  return text;
}

std::string format_utc(std::int64_t unix_seconds) {
  if (unix_seconds == 0) return "-";
  const Civil c = civil(from_unix(unix_seconds));
  char text[32];
  std::snprintf(text, sizeof text, "%04d-%02u-%02u %02d:%02d:%02d", static_cast<int>(c.date.year()),
                static_cast<unsigned>(c.date.month()), static_cast<unsigned>(c.date.day()),
                static_cast<int>(c.time.hours().count()), static_cast<int>(c.time.minutes().count()),
                static_cast<int>(c.time.seconds().count()));
  return text;
}

}  // namespace stsrelay::core
