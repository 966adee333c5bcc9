// Idle SMTP sessions kept for the next job to the same destination (connection reuse, bounded
// in count and idle time). Keyed by MX host and address; a session is handed out at
// most once at a time, and expires after `idle` or `max_transactions`. Not thread-safe: the
// agent uses it on its strand.
#pragma once

#include <chrono>
#include <cstddef>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "smtp/client_session.hpp"
#include "src/delivery/tls_log_field.hpp"
#include "sts/tls_outcome.hpp"

namespace stsrelay::delivery {

struct PooledSession {
  std::unique_ptr<smtp::ClientSession> session;
  TlsLogFields tls;  // of the session's open(), for the log lines of later transactions
  // What the open() showed, so that a later job judges the session under its own domain's
  // MTA-STS policy before using it (two domains may share an MX, not a policy).
  sts::TlsOutcome tls_outcome;
  std::string local_address;
  std::string server_name;  // EHLO's first word
  // Where DANE applied: the session's verdict ("secure:3 1 1:match") for the log lines of later
  // jobs, and whether it passed. Only sessions that passed are shared, and only with jobs that
  // hold the same TLSA records for the host (dane_pool_tag() is part of the pool key).
  std::string dane_field;
  bool dane_passed = false;
  std::chrono::steady_clock::time_point idle_since;
};

struct PoolLimits {
  std::chrono::steady_clock::duration idle = std::chrono::seconds(5);
  std::size_t max_transactions = 100;
  std::size_t max_sessions = 100;
};

class SessionPool {
 public:
  // A reusable idle session for `key`, or an empty one.
  PooledSession take(const std::string& key, std::chrono::steady_clock::time_point now,
                     const PoolLimits& limits);
  // Keeps `s` for `key` when it is still reusable and within the limits; otherwise gives it
  // back to the caller (to QUIT). Sessions that expired meanwhile are returned too.
  std::vector<PooledSession> put(const std::string& key, PooledSession s,
                                 std::chrono::steady_clock::time_point now,
                                 const PoolLimits& limits);
  // Sessions idle for longer than limits.idle, removed from the pool.
  std::vector<PooledSession> expire(std::chrono::steady_clock::time_point now,
                                    const PoolLimits& limits);
  std::vector<PooledSession> drain();
  std::size_t size() const { return size_; }

 private:
  std::multimap<std::string, PooledSession> idle_;
  std::size_t size_ = 0;
};

}  // namespace stsrelay::delivery
