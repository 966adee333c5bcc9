// The cost of the MTA-STS decision on the delivery hot path with a warm cache:
//
//   BM_Decide            sts::decide + permits_mx + judge: what every attempt pays per MX
//   BM_ResolveWarmCache  PolicyResolver::resolve of a domain whose policy is cached and whose
//                        TXT id is unchanged: the TXT answer parsed, the in-memory cache entry
//                        found, the cache decision made, no fetch, no sts.db read; the TXT answer
//                        comes from an in-memory resolver, as it does from the c-ares cache
//   BM_TxtParse          the `_mta-sts` TXT record parse alone, for comparison
//
// Google Benchmark prints nanoseconds per operation; run `build/tests/bench/sts_decision_bench`.
#include <benchmark/benchmark.h>
#include <spdlog/spdlog.h>
#include <unistd.h>

#include <atomic>
#include <cstdlib>
#include <filesystem>
#include <iostream>
#include <memory>
#include <string>

#include "src/net/dns_resolver.hpp"
#include "sts/enforcement.hpp"
#include "sts/policy_cache.hpp"
#include "sts/policy_fetcher.hpp"
#include "sts/policy_parser.hpp"
#include "sts/policy_resolver.hpp"
#include "sts/txt_record.hpp"

namespace {

using namespace stsrelay;

constexpr const char* kPolicyText =
    "version: STSv1\r\nmode: enforce\r\nmx: mx1.example.com\r\nmx: *.mail.example.com\r\n"
    "max_age: 604800\r\n";

class WallClock final : public core::Clock {
 public:
  core::SysTime now() const override { return std::chrono::system_clock::now(); }
};

// Answers TXT at once from one fixed record; everything else is NXDOMAIN.
class MemoryResolver final : public net::Resolver {
 public:
  void resolve_a(std::string, Callback<net::IpAddress> done) override { done(none<net::IpAddress>()); }
  void resolve_aaaa(std::string, Callback<net::IpAddress> done) override {
    done(none<net::IpAddress>());
  }
  void resolve_mx(std::string, Callback<net::MxRecord> done) override { done(none<net::MxRecord>()); }
  void resolve_tlsa(std::string, Callback<net::TlsaRecord> done) override {
    done(none<net::TlsaRecord>());
  }
  void resolve_txt(std::string, Callback<net::TxtRecord> done) override {
    net::DnsResult<net::TxtRecord> r;
    r.status = net::DnsStatus::answer;
    r.records = {net::TxtRecord{"v=STSv1; id=20261128T000000;"}};
    r.ttl = 300;
    done(std::move(r));
  }

 private:
  template <class T>
  static net::DnsResult<T> none() {
    net::DnsResult<T> r;
    r.status = net::DnsStatus::nxdomain;
    return r;
  }
};

class OnePolicySource final : public sts::PolicySource {
 public:
  void fetch_policy(std::string_view, Callback done) override {
    ++fetches;
    done(sts::FetchedPolicy{*sts::parse_policy(kPolicyText), net::HttpProtocol::h2, "bench"});
  }
  int fetches = 0;
};

void BM_Decide(benchmark::State& state) {
  auto policy = std::make_shared<const sts::Policy>(*sts::parse_policy(kPolicyText));
  sts::TlsOutcome tls;
  tls.offered_starttls = tls.handshake_ok = tls.chain_verified = tls.host_matched = true;
  for (auto _ : state) {
    const sts::Decision d = sts::decide(policy, sts::LocalEnforcement::policy);
    const sts::Verdict before = d.permits_mx("b.mail.example.com");
    const sts::Verdict after = d.judge(tls);
    benchmark::DoNotOptimize(sts::session_verdict(before, after));
  }
}
BENCHMARK(BM_Decide);

void BM_TxtParse(benchmark::State& state) {
  const std::vector<net::TxtRecord> records = {{"v=STSv1; id=20261128T000000;"}};
  for (auto _ : state) benchmark::DoNotOptimize(sts::parse_txt_records(records));
}
BENCHMARK(BM_TxtParse);

void BM_ResolveWarmCache(benchmark::State& state) {
  const std::filesystem::path db =
      std::filesystem::temp_directory_path() / ("sts_decision_bench_" + std::to_string(getpid()) + ".db");
  {
    WallClock clock;
    MemoryResolver dns;
    OnePolicySource source;
    auto cache = sts::PolicyCache::open(db.string());
    if (!cache) {
      state.SkipWithError(cache.error().message.c_str());
      return;
    }
    sts::PolicyResolver resolver(dns, source, **cache, clock);
    // Warm-up: the first lookup fetches and caches the policy.
    resolver.resolve("example.com", [](sts::PolicyLookup) {});
    std::atomic<long> with_policy{0};
    for (auto _ : state) {
      resolver.resolve("example.com", [&with_policy](sts::PolicyLookup l) {
        if (l.has_policy()) with_policy.fetch_add(1, std::memory_order_relaxed);
      });
    }
    state.counters["fetches"] = source.fetches;
    if (with_policy.load() != static_cast<long>(state.iterations())) {
      state.SkipWithError("a warm lookup came back without the cached policy");
    }
  }
  std::error_code ec;
  std::filesystem::remove(db, ec);
  std::filesystem::remove(db.string() + "-wal", ec);
  std::filesystem::remove(db.string() + "-shm", ec);
}
BENCHMARK(BM_ResolveWarmCache);

}  // namespace

int main(int argc, char** argv) {
  // The resolver logs each stored policy; the figures are what this prints.
  spdlog::set_level(spdlog::level::warn);
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
