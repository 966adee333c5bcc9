#include "src/delivery/session_pool.hpp"

#include <utility>

namespace stsrelay::delivery {

PooledSession SessionPool::take(const std::string& key, std::chrono::steady_clock::time_point now,
                                const PoolLimits& limits) {
  auto range = idle_.equal_range(key);
  for (auto it = range.first; it != range.second; ++it) {
    if (now - it->second.idle_since > limits.idle) continue;
    if (!it->second.session->is_reusable()) continue;
    PooledSession out = std::move(it->second);
    idle_.erase(it);
    --size_;
    return out;
  }
  return {};
}

std::vector<PooledSession> SessionPool::put(const std::string& key, PooledSession s,
                                            std::chrono::steady_clock::time_point now,
                                            const PoolLimits& limits) {
  std::vector<PooledSession> out = expire(now, limits);
  if (!s.session) return out;
  if (!s.session->is_reusable() || s.session->transactions() >= limits.max_transactions ||
      size_ >= limits.max_sessions) {
    out.push_back(std::move(s));
    return out;
  }
  s.idle_since = now;
  idle_.emplace(key, std::move(s));
  ++size_;
  return out;
}

std::vector<PooledSession> SessionPool::expire(std::chrono::steady_clock::time_point now,
                                               const PoolLimits& limits) {
  std::vector<PooledSession> out;
  for (auto it = idle_.begin(); it != idle_.end();) {
    if (now - it->second.idle_since > limits.idle || !it->second.session->is_reusable()) {
      out.push_back(std::move(it->second));
      it = idle_.erase(it);
      --size_;
    } else {
      ++it;
    }
  }
  return out;
}

std::vector<PooledSession> SessionPool::drain() {
  std::vector<PooledSession> out;
  for (auto& [key, s] : idle_) out.push_back(std::move(s));
  idle_.clear();
  size_ = 0;
  return out;
}

}  // namespace stsrelay::delivery
