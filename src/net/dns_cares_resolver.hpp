// The production Resolver: c-ares driven by an Asio io_context, with a TTL cache.
//
// Nothing blocks a thread: c-ares' sockets are watched with posix::stream_descriptor waits and
// its retransmission clock with a steady_timer (ARES_OPT_SOCK_STATE_CB, ares_process_fd,
// ares_timeout). Queries go to `servers` (delivery.dns_servers) or, when that is empty, to the
// nameservers of `resolv_conf` (default /etc/resolv.conf). Queries are encoded by dns_message
// with AD=1 and EDNS0 DO (RFC 6840 §5.7) and sent with ares_send; raw answers are decoded by
// dns_message so that TTLs, CNAME chains, the SOA of negative answers and the AD bit are known.
// The AD bit is believed as the servers send it: they must be validating resolvers the
// operator trusts (DESIGN.md, [dane]).
//
// Threads: every c-ares call, the cache and the socket watchers live on one strand of the
// given executor; resolve_* may be called from any thread (they post to the strand), and
// callbacks run on that strand. Identical queries in flight at once share one network query.
// Destroy the resolver from its strand or when the io_context no longer runs; queries still
// outstanding then complete with a temporary failure ("resolver closed").
#pragma once

#include <array>
#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include <boost/asio/any_io_executor.hpp>

#include "src/core/clock.hpp"
#include "src/core/result.hpp"
#include "src/net/dns_cache.hpp"
#include "src/net/dns_resolver.hpp"
#include "src/net/dns_servers.hpp"

namespace stsrelay::net {

struct ResolverSettings {
  std::vector<DnsServer> servers;  // empty: the nameservers of resolv_conf
  std::string resolv_conf;         // empty: c-ares' default, /etc/resolv.conf
  std::chrono::milliseconds timeout{3000};  // per try, doubled by c-ares per round
  int tries = 3;
  DnsCacheLimits cache;
};

class CaresResolver final : public Resolver {
 public:
  // Fails (ErrorKind::invalid) when c-ares cannot be set up with these settings.
  static core::Result<std::unique_ptr<CaresResolver>> create(boost::asio::any_io_executor ex,
                                                             ResolverSettings settings,
                                                             const core::Clock& clock);
  ~CaresResolver() override;

  void resolve_a(std::string name, Callback<IpAddress> done) override;
  void resolve_aaaa(std::string name, Callback<IpAddress> done) override;
  void resolve_mx(std::string name, Callback<MxRecord> done) override;
  void resolve_txt(std::string name, Callback<TxtRecord> done) override;
  void resolve_tlsa(std::string name, Callback<TlsaRecord> done) override;

  // Counters for tests and metrics (read them on the strand or after the io_context stopped).
  struct Stats {
    std::uint64_t queries_sent = 0;  // network queries, CNAME re-queries included
    std::uint64_t cache_hits = 0;
    std::uint64_t coalesced = 0;     // requests that joined a query already in flight
  };
  Stats stats() const;

  // How long network queries took, from sending to the answer, the failure or the timeout
  // (each CNAME re-query counts on its own), for metrics. Any thread.
  static constexpr std::array<double, 12> kLatencyBounds{0.001, 0.005, 0.01, 0.025, 0.05, 0.1,
                                                         0.25,  0.5,   1.0,  2.5,   5.0,  10.0};
  struct Latency {
    std::array<std::uint64_t, kLatencyBounds.size()> buckets{};  // queries <= each bound
    std::uint64_t count = 0;                                     // all queries
    double sum_seconds = 0;
  };
  Latency latency() const;

  class Impl;

 private:
  explicit CaresResolver(std::shared_ptr<Impl> impl) : impl_(std::move(impl)) {}
  std::shared_ptr<Impl> impl_;
};

}  // namespace stsrelay::net
