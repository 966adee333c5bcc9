// The UTC day a TLS-RPT report covers (RFC 8460 §4.1: reports cover one day, and the large
// senders write its date-range as 00:00:00Z to 23:59:59Z) and the RFC 3339 times of its bounds
// (§4.4 "date-range"). Pure: the caller passes the times.
#pragma once

#include <chrono>
#include <string>
#include <string_view>

#include "src/core/clock.hpp"
#include "src/core/result.hpp"

namespace stsrelay::tlsrpt {

using Day = std::chrono::sys_days;

// The UTC day that `t` falls in.
Day utc_day(core::SysTime t);

// "2024-09-15".
std::string format_day(Day day);

// Parses "YYYY-MM-DD" (a valid calendar date, four-digit year); errors quote the text.
core::Result<Day> parse_day(std::string_view text);

// 00:00:00Z and 23:59:59Z of the day: the report's start-datetime and end-datetime, and the
// begin and end timestamps of its file name (§5.1).
core::SysTime day_begin(Day day);
core::SysTime day_end(Day day);

// RFC 3339 date-time in UTC with second precision: "2024-09-15T23:59:59Z".
std::string format_rfc3339(core::SysTime t);

}  // namespace stsrelay::tlsrpt
