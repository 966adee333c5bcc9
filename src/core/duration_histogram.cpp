#include "src/core/duration_histogram.hpp"

#include <algorithm>

namespace stsrelay::core {

void DurationHistogram::observe(std::chrono::steady_clock::duration took) {
  const auto us = std::max<std::int64_t>(
      0, std::chrono::duration_cast<std::chrono::microseconds>(took).count());
  const double seconds = static_cast<double>(us) / 1e6;
  const auto* bound = std::lower_bound(kBounds.begin(), kBounds.end(), seconds);
  if (bound != kBounds.end()) {
    buckets_[static_cast<std::size_t>(bound - kBounds.begin())].fetch_add(
        1, std::memory_order_relaxed);
  }
  count_.fetch_add(1, std::memory_order_relaxed);
  sum_us_.fetch_add(static_cast<std::uint64_t>(us), std::memory_order_relaxed);
}

DurationHistogram::Snapshot DurationHistogram::snapshot() const {
  Snapshot s;
  s.bounds.assign(kBounds.begin(), kBounds.end());
  std::uint64_t running = 0;
  for (const auto& bucket : buckets_) {
    running += bucket.load(std::memory_order_relaxed);
    s.cumulative.push_back(running);
  }
  // Read after the buckets: a concurrent observe() may show in count and not yet in a bucket,
  // never the other way round, so +Inf stays >= every bucket.
  s.count = std::max(count_.load(std::memory_order_relaxed), running);
  s.sum_seconds = static_cast<double>(sum_us_.load(std::memory_order_relaxed)) / 1e6;
  return s;
}

}  // namespace stsrelay::core
