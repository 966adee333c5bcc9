// Counts of delivery attempts for the metrics endpoint: one per recipient per attempt, by the
// status of the log line (sent, deferred, bounced, dry-run), the TLS the session had (verified,
// unverified, none) and the MTA-STS mode applied (enforce, testing, none, or "no-policy").
// Thread-safe; adding is a mutex and a map lookup, once per log line.
#pragma once

#include <cstdint>
#include <map>
#include <mutex>
#include <string>
#include <tuple>

namespace stsrelay::delivery {

struct AttemptKey {
  std::string status;
  std::string tls;
  std::string policy;
  auto operator<=>(const AttemptKey&) const = default;
};

class DeliveryCounters {
 public:
  void add(AttemptKey key) {
    std::lock_guard<std::mutex> lock(mutex_);
    ++counts_[std::move(key)];
  }
  std::map<AttemptKey, std::uint64_t> snapshot() const {
    std::lock_guard<std::mutex> lock(mutex_);
    return counts_;
  }

 private:
  mutable std::mutex mutex_;
  std::map<AttemptKey, std::uint64_t> counts_;
};

}  // namespace stsrelay::delivery
