// The one source of time. Production code asks an injected Clock; pure functions take `now` as
// an argument; tests use tests/support/fake_clock.hpp.
#pragma once

#include <chrono>
#include <cstdint>

namespace stsrelay::core {

using SysTime = std::chrono::system_clock::time_point;

class Clock {
 public:
  virtual ~Clock() = default;
  // Wall-clock time (timestamps stored on disk, report days, policy expiry).
  virtual SysTime now() const = 0;
};

class SystemClock final : public Clock {
 public:
  SysTime now() const override { return std::chrono::system_clock::now(); }
};

// Seconds since the Unix epoch: the unit stored in SQLite and printed by the CLI.
inline std::int64_t to_unix(SysTime t) {
  return std::chrono::duration_cast<std::chrono::seconds>(t.time_since_epoch()).count();
}
inline SysTime from_unix(std::int64_t s) { return SysTime{std::chrono::seconds{s}}; }

}  // namespace stsrelay::core
