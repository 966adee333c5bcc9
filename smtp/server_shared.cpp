#include "smtp/server_shared.hpp"

#include <boost/asio/post.hpp>

#include <cstdio>
#include <random>

#include "smtp/server_session.hpp"

namespace stsrelay::smtp {

ServerShared::ServerShared(boost::asio::io_context& io_context, MessageSink& message_sink,
                           const core::Clock& wall_clock)
    : io(io_context), sink(message_sink), clock(wall_clock), random_(std::random_device{}()) {}

std::string ServerShared::unique_token() {
  std::uint64_t bits = 0;
  {
    std::lock_guard lock(mu_);
    bits = random_();
  }
  char buf[17];
  std::snprintf(buf, sizeof buf, "%016llx", static_cast<unsigned long long>(bits));
  return buf;
}

ServerShared::~ServerShared() { auth_pool.join(); }

std::shared_ptr<const ServerConfig> ServerShared::config() const {
  std::lock_guard lock(mu_);
  return config_;
}

void ServerShared::set_config(std::shared_ptr<const ServerConfig> c) {
  std::lock_guard lock(mu_);
  config_ = std::move(c);
}

bool ServerShared::admit(const std::string& ip, const ServerConfig& cfg) {
  std::lock_guard lock(mu_);
  if (stopping_) return false;
  if (active_ >= cfg.settings.max_connections) return false;
  std::size_t& n = per_ip_[ip];
  if (n >= cfg.settings.max_connections_per_ip) {
    if (n == 0) per_ip_.erase(ip);
    return false;
  }
  ++n;
  ++active_;
  return true;
}

void ServerShared::add_session(std::uint64_t id, const std::shared_ptr<Session>& s) {
  bool stop = false;
  bool close = false;
  {
    std::lock_guard lock(mu_);
    sessions_[id] = s;
    stop = stopping_;
    close = closing_;
  }
  // A session admitted just before async_stop() still gets the stop request.
  if (close) {
    s->force_close();
  } else if (stop) {
    s->request_stop();
  }
}

void ServerShared::release(const std::string& ip, std::uint64_t id) {
  std::vector<std::function<void()>> waiters;
  {
    std::lock_guard lock(mu_);
    sessions_.erase(id);
    auto it = per_ip_.find(ip);
    if (it != per_ip_.end() && --it->second == 0) per_ip_.erase(it);
    if (active_ > 0) --active_;
    if (active_ == 0) waiters.swap(idle_waiters_);
  }
  for (auto& w : waiters) boost::asio::post(io, std::move(w));
}

std::vector<std::shared_ptr<Session>> ServerShared::live_sessions() {
  std::vector<std::shared_ptr<Session>> out;
  for (auto& [id, weak] : sessions_) {
    if (auto s = weak.lock()) out.push_back(std::move(s));
  }
  return out;
}

void ServerShared::stop_sessions() {
  std::vector<std::shared_ptr<Session>> sessions;
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
    sessions = live_sessions();
  }
  for (auto& s : sessions) s->request_stop();
}

void ServerShared::close_sessions() {
  std::vector<std::shared_ptr<Session>> sessions;
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
    closing_ = true;
    sessions = live_sessions();
  }
  for (auto& s : sessions) s->force_close();
}

void ServerShared::when_idle(std::function<void()> done) {
  {
    std::lock_guard lock(mu_);
    if (active_ > 0) {
      idle_waiters_.push_back(std::move(done));
      return;
    }
  }
  boost::asio::post(io, std::move(done));
}

std::size_t ServerShared::active_connections() const {
  std::lock_guard lock(mu_);
  return active_;
}

}  // namespace stsrelay::smtp
