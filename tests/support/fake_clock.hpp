// A Clock that tests set and advance by hand.
#pragma once

#include <atomic>

#include "src/core/clock.hpp"

namespace stsrelay::testing {

class FakeClock final : public core::Clock {
 public:
  explicit FakeClock(core::SysTime start = core::from_unix(1'800'000'000)) : now_(start) {}
  core::SysTime now() const override { return now_.load(); }
  void set(core::SysTime t) { now_.store(t); }
  template <class Duration>
  void advance(Duration d) { now_.store(now_.load() + d); }

 private:
  std::atomic<core::SysTime> now_;
};

}  // namespace stsrelay::testing
