// Times as mail shows them. Always UTC: the relay has no business with local time zones in
// what it writes. Pure.
#pragma once

#include <cstdint>
#include <string>

#include "src/core/clock.hpp"

namespace stsrelay::core {

// RFC 5322 §3.3 date-time, as in Date: and Received: fields and RFC 3464 Arrival-Date:
// "Fri, 15 Jan 2027 08:00:00 +0000" (two-digit day, seconds, "+0000").
std::string format_rfc5322_date(SysTime t);

// "2026-11-28 13:50:59" (UTC), for people reading the CLI; "-" for 0 (no time).
std::string format_utc(std::int64_t unix_seconds);

}  // namespace stsrelay::core
