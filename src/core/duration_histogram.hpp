// How long one stage of the relay's work takes, as a histogram with fixed bounds from 1 ms to
// 60 s: the relay's own view of where a message's time goes (waiting for the disk, for DNS, for
// a connection, for the remote server), exported as Prometheus histograms. observe() is a few
// relaxed atomic additions, so the hot path can call it for every message from any thread.
#pragma once

#include <array>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <vector>

namespace stsrelay::core {

class DurationHistogram {
 public:
  // Upper bounds in seconds ("le"), ascending; everything above the last lands in +Inf.
  static constexpr std::array<double, 15> kBounds = {0.001, 0.002, 0.005, 0.01, 0.02,
                                                      0.05,  0.1,   0.2,   0.5,  1,
                                                      2,     5,     10,    30,   60};

  struct Snapshot {
    std::vector<double> bounds;             // kBounds
    std::vector<std::uint64_t> cumulative;  // observations <= each bound
    std::uint64_t count = 0;                // all observations
    double sum_seconds = 0;
  };

  void observe(std::chrono::steady_clock::duration took);
  Snapshot snapshot() const;

 private:
  std::array<std::atomic<std::uint64_t>, kBounds.size()> buckets_{};  // per bucket, not cumulative
  std::atomic<std::uint64_t> count_{0};
  std::atomic<std::uint64_t> sum_us_{0};
};

}  // namespace stsrelay::core
