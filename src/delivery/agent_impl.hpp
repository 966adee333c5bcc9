// Internal to src/delivery: the DeliveryAgent's state and coroutines (Asio lives here, not in
// delivery_agent.hpp). Everything below runs on `strand_`.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <random>
#include <string>
#include <vector>

#include <boost/asio/awaitable.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>

#include "queue/store.hpp"
#include "smtp/client_session.hpp"
#include "src/delivery/delivery_agent.hpp"
#include "src/delivery/delivery_counters.hpp"
#include "src/delivery/stage_times.hpp"
#include "src/delivery/session_pool.hpp"
#include "src/net/dns_resolver.hpp"

namespace stsrelay::delivery {

using Strand = boost::asio::strand<boost::asio::io_context::executor_type>;

class DeliveryAgent::Impl : public std::enable_shared_from_this<Impl> {
 public:
  Impl(boost::asio::io_context& io, queue::Store& store, net::Resolver& resolver,
       core::Clock& clock, DeliverySettings settings, PolicyServices services);

  void begin();  // strand: listener and scheduler
  void stop(std::chrono::milliseconds grace, std::function<void(std::size_t)> done);
  void wake();
  void quit_sessions(std::vector<PooledSession> sessions);  // QUIT each, in the background

  Strand strand_;
  queue::Store& store_;
  net::Resolver& resolver_;
  core::Clock& clock_;
  const PolicyServices services_;
  DeliverySettings settings_;                            // strand only
  std::shared_ptr<boost::asio::ssl::context> tls_;       // strand only
  SessionPool pool_;                                     // strand only
  DeliveryCounters counters_;                            // any thread
  StageTimes stages_;                                    // any thread
  bool scheduling_ = false;                              // strand only: schedule() runs

 private:
  static boost::asio::awaitable<void> schedule(std::shared_ptr<Impl> self);
  static boost::asio::awaitable<void> job_main(std::shared_ptr<Impl> self,
                                               queue::DeliveryJob job);
  void claim_and_spawn();
  std::chrono::milliseconds idle_wait();
  // The job no longer talks to its domain (its results are still being written): the domain's
  // slot is free for the next job. Once per job; job_finished() frees it if the job did not.
  void domain_slot_free(const std::string& domain);
  void job_finished();
  void finish_stop();
  double random_unit();

  boost::asio::steady_timer wake_timer_;
  boost::asio::steady_timer stop_timer_;
  bool stopping_ = false;
  std::size_t active_ = 0;
  std::map<std::string, std::size_t> per_domain_;
  std::function<void(std::size_t)> stop_done_;
  std::mt19937_64 rng_{std::random_device{}()};

  friend boost::asio::awaitable<void> run_job(std::shared_ptr<Impl> self,
                                              queue::DeliveryJob job,
                                              std::function<void()> destination_done);
  friend double jitter(Impl& impl);
};

// One job: policy, route, sessions (deliver_job.cpp), then its log lines, DSN and one record()
// (job_report.hpp). `destination_done` is called once the job's sessions are over, before the
// record: per_domain_concurrency bounds what the destination sees, and a job whose results are
// being committed no longer holds a connection there.
boost::asio::awaitable<void> run_job(std::shared_ptr<DeliveryAgent::Impl> self,
                                     queue::DeliveryJob job,
                                     std::function<void()> destination_done);
double jitter(DeliveryAgent::Impl& impl);
// The pool's limits from delivery.reuse_* (connection reuse).
PoolLimits pool_limits(const DeliverySettings& s);

}  // namespace stsrelay::delivery
