#include "tlsrpt/report_retry.hpp"

#include <algorithm>

namespace stsrelay::tlsrpt {

std::optional<core::SysTime> next_report_attempt(int failed_attempts, core::SysTime first_attempt,
                                                 core::SysTime now) {
  const core::SysTime last = first_attempt + kReportRetryWindow;
  if (now >= last) return std::nullopt;
  std::chrono::seconds delay = kReportFirstRetryDelay;
  for (int i = 1; i < failed_attempts && delay < kReportMaxRetryDelay; ++i) delay *= 2;
  delay = std::min(delay, kReportMaxRetryDelay);
  // The attempt at the end of the window is still made: "for up to 24 hours".
  return std::min(now + delay, last);
}

}  // namespace stsrelay::tlsrpt
