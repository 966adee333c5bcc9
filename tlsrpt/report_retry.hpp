// When a failed report delivery is tried again (RFC 8460 §5.5: "In the event of a delivery
// failure, regardless of the delivery method, a sender SHOULD attempt redelivery for up to 24
// hours after the initial attempt", with exponential backoff). Pure.
//
// The waits double from five minutes (5m, 10m, 20m, ... at most 6h each); the last attempt is
// made 24 hours after the first, and after that the delivery has failed for good.
#pragma once

#include <chrono>
#include <optional>

#include "src/core/clock.hpp"

namespace stsrelay::tlsrpt {

inline constexpr std::chrono::seconds kReportFirstRetryDelay = std::chrono::minutes(5);
inline constexpr std::chrono::seconds kReportMaxRetryDelay = std::chrono::hours(6);
inline constexpr std::chrono::seconds kReportRetryWindow = std::chrono::hours(24);

// After `failed_attempts` (1 or more) failures, the first attempt made at `first_attempt` and
// the latest ending at `now`: when to try again, or nullopt to give up.
std::optional<core::SysTime> next_report_attempt(int failed_attempts, core::SysTime first_attempt,
                                                 core::SysTime now);

}  // namespace stsrelay::tlsrpt
