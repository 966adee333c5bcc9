// RFC 5322 §3.3 date-time, as used in Date: headers and in RFC 3464 Arrival-Date and
// Last-Attempt-Date fields: "Fri, 15 Jan 2027 08:00:00 +0000". Always UTC: the relay has no
// business with local time zones in what it sends. Pure.
#pragma once

#include <string>

#include "src/core/clock.hpp"

namespace stsrelay::queue {

std::string format_mail_date(core::SysTime t);

}  // namespace stsrelay::queue
