#include "sts/policy_resolver.hpp"

#include <spdlog/spdlog.h>

#include <atomic>
#include <map>
#include <mutex>
#include <utility>
#include <vector>

#include "src/core/domain_name.hpp"
#include "src/core/enum_names.hpp"
#include "src/core/log_quote.hpp"
#include "src/core/logging.hpp"
#include "sts/shared_policy_merge.hpp"
#include "sts/txt_record.hpp"

namespace stsrelay::sts {

namespace {
constexpr core::EnumNameList<PolicyOrigin::fetched> kOriginNames{{"none", "cache", "fetched"},
                                                                 "none"};
}  // namespace

std::string_view to_string(PolicyOrigin origin) { return kOriginNames.name(origin); }

namespace {

// What the TXT lookup of `_mta-sts.<domain>` said, for decide_cache() and the answer.
struct TxtOutcome {
  TxtLookup lookup;
  std::optional<std::string> id;
};

TxtOutcome classify_txt(const std::string& domain, const net::DnsResult<net::TxtRecord>& r) {
  if (r.status == net::DnsStatus::temporary) {
    spdlog::debug("mta-sts txt lookup failed domain={} reason={}", core::log_value(domain),
                  core::log_value(r.reason));
    return {TxtLookupFailed{}, std::nullopt};
  }
  if (!r.ok()) return {TxtAbsent{}, std::nullopt};  // NXDOMAIN, NODATA
  TxtParseResult parsed = parse_txt_records(r.records);
  if (const auto* ok = std::get_if<TxtOk>(&parsed)) return {TxtFound{ok->id}, ok->id};
  // §3.1: none, several or a malformed record: no available policy (by the record).
  spdlog::debug("mta-sts txt record unusable domain={} txt={}", core::log_value(domain),
                core::log_value(describe(parsed)));
  return {TxtAbsent{}, std::nullopt};
}

// The text stored in sts.db: the policy's lines, which parse to the same policy (line endings
// and blank lines carry no meaning, §3.2).
std::string policy_text(const Policy& policy) {
  std::string text;
  for (const std::string& line : policy.lines) text += line + "\n";
  return text;
}

}  // namespace

class PolicyResolver::Impl : public std::enable_shared_from_this<Impl> {
 public:
  Impl(net::Resolver& dns, PolicySource& source, PolicyCache& cache, const core::Clock& clock,
       PolicyResolverSettings settings)
      : dns_(dns), source_(source), cache_(cache), clock_(clock), settings_(settings) {}

  void lookup(std::string_view domain, Callback done, bool forced, bool ignore_backoff) {
    auto normalized = core::normalize_domain(domain);
    if (!normalized) {
      PolicyLookup answer;
      answer.domain = std::string(domain);
      answer.reason = "invalid-domain: " + normalized.error().message;
      done(std::move(answer));
      return;
    }
    std::string d = std::move(normalized.value());
    std::string name = "_mta-sts." + d;
    dns_.resolve_txt(std::move(name), [self = shared_from_this(), d, done = std::move(done),
                                       forced, ignore_backoff](
                                          net::DnsResult<net::TxtRecord> r) mutable {
      TxtOutcome txt = classify_txt(d, r);
      if (forced) {
        self->refresh_with(d, std::move(txt), std::move(done), ignore_backoff);
      } else {
        self->resolve_with(d, std::move(txt), std::move(done));
      }
    });
  }

  void set_stored_observer(StoredObserver observer) {
    std::lock_guard lock(mutex_);
    observer_ = std::make_shared<const StoredObserver>(std::move(observer));
  }

  core::Result<bool> adopt(std::string_view domain, const CachedPolicy& shared) {
    auto normalized = core::normalize_domain(domain);
    if (!normalized) return normalized.error();
    const std::string d = std::move(normalized.value());
    {
      std::unique_lock lock(mutex_);
      const Entry* entry = find_or_load(d, lock);
      const std::optional<CachedPolicy> local = entry ? entry->state.cached : std::nullopt;
      if (merge_policy(local, shared, clock_.now()) != MergeWinner::shared) return false;
    }
    // sts.db first, outside the lock (as land() does): a restart keeps what memory has.
    if (auto st = cache_.store_policy(d, shared.id, policy_text(shared.policy), shared.fetched_at);
        !st) {
      return st.error();
    }
    std::lock_guard lock(mutex_);
    Entry& e = memory_[d];
    // A fetch of this node may have landed meanwhile; the newer copy stays (the next read of the
    // shared cache brings sts.db back in line if this write overtook it).
    if (merge_policy(e.state.cached, shared, clock_.now()) != MergeWinner::shared) return false;
    e.state.cached = shared;
    e.shared = std::make_shared<CachedPolicy>(shared);
    if (e.state.last_failure && e.state.last_failure->id == shared.id) e.state.last_failure.reset();
    if (auto it = failures_.find(d); it != failures_.end() && it->second.first == shared.id) {
      failures_.erase(it);
    }
    return true;
  }

  std::uint64_t fetches_started() const { return fetches_.load(); }
  std::uint64_t fetches_failed() const { return fetch_failures_.load(); }

 private:
  // The memory layer: what sts.db holds for a domain, plus the entry shared with answers.
  struct Entry {
    CacheState state;
    std::shared_ptr<const CachedPolicy> shared;
  };
  // One fetch in flight for a domain; everyone who needs it waits here.
  struct Outcome {
    std::shared_ptr<const CachedPolicy> stored;
    std::optional<PolicyFetchFailure> failure;
  };
  using Waiter = std::function<void(const Outcome&)>;
  struct Flight {
    std::string id;
    std::vector<Waiter> waiters;
  };

  // The cache entry of `d`, loaded from sts.db the first time; null when sts.db failed (logged;
  // the lookup then goes on as if nothing were cached, and the next one tries sts.db again).
  const Entry* find_or_load(const std::string& d, std::unique_lock<std::mutex>& lock) {
    if (auto it = memory_.find(d); it != memory_.end()) return &it->second;
    lock.unlock();
    auto loaded = cache_.load(d);
    lock.lock();
    if (!loaded) {
      spdlog::error("mta-sts policy cache load failed domain={} error={}", core::log_value(d),
                    core::log_value(loaded.error().message));
      return nullptr;
    }
    Entry entry{std::move(*loaded), nullptr};
    if (entry.state.cached) entry.shared = std::make_shared<CachedPolicy>(*entry.state.cached);
    return &memory_.try_emplace(d, std::move(entry)).first->second;
  }

  // The failure this process remembers for `id` of `d`, for answers the 5-minute rule shaped.
  std::optional<PolicyFetchFailure> remembered_failure(const std::string& d,
                                                       const std::string& id) const {
    auto it = failures_.find(d);
    if (it == failures_.end() || it->second.first != id) return std::nullopt;
    return it->second.second;
  }

  void resolve_with(const std::string& d, TxtOutcome txt, Callback done) {
    PolicyLookup answer;
    answer.domain = d;
    answer.txt_id = txt.id;
    std::unique_lock lock(mutex_);
    const Entry* entry = find_or_load(d, lock);
    static const CacheState kNothing;
    const CacheState& state = entry ? entry->state : kNothing;
    const CacheDecision decision =
        decide_cache(state, txt.lookup, clock_.now(), settings_.tuning);
    answer.reason = std::string(decision.reason);
    std::shared_ptr<const CachedPolicy> cached = entry ? entry->shared : nullptr;
    const std::string backoff_id = txt.id ? *txt.id : cached ? cached->id : std::string();
    switch (decision.action) {
      case CacheAction::use_cached: {
        answer.entry = cached;
        answer.origin = PolicyOrigin::cache;
        if (decision.reason == "fetch-backoff-keep-cache") {
          answer.fetch_failure = remembered_failure(d, backoff_id);
        }
        const bool start = decision.refresh_in_background && join(d, decision.fetch_id, {});
        lock.unlock();
        // §10.2: the cached policy applies now; the refresh replaces it when it succeeds.
        if (start) start_fetch(d, decision.fetch_id);
        break;
      }
      case CacheAction::no_policy:
        if (decision.reason == "fetch-backoff-no-policy") {
          answer.fetch_failure = remembered_failure(d, backoff_id);
        }
        lock.unlock();
        break;
      case CacheAction::fetch: {
        // §3.3: a failed fetch falls back to the cached, unexpired policy, or to none.
        auto fallback =
            decision.on_fetch_failure == OnFetchFailure::use_cached ? cached : nullptr;
        const bool start = join(d, decision.fetch_id, waiter(std::move(answer), fallback,
                                                             std::move(done)));
        lock.unlock();
        if (start) start_fetch(d, decision.fetch_id);
        return;
      }
    }
    log_answer(answer);
    done(std::move(answer));
  }

  void refresh_with(const std::string& d, TxtOutcome txt, Callback done, bool ignore_backoff) {
    PolicyLookup answer;
    answer.domain = d;
    answer.txt_id = txt.id;
    const core::SysTime now = clock_.now();
    std::unique_lock lock(mutex_);
    const Entry* entry = find_or_load(d, lock);
    std::shared_ptr<const CachedPolicy> usable =
        entry && entry->shared && is_unexpired(*entry->shared, now) ? entry->shared : nullptr;
    // §10.2: refresh whatever the TXT record says; without an id there, the cached one.
    const std::string id = txt.id ? *txt.id : usable ? usable->id : std::string();
    if (id.empty()) {
      lock.unlock();
      answer.reason =
          std::holds_alternative<TxtLookupFailed>(txt.lookup) ? "txt-failed" : "no-record";
      log_answer(answer);
      done(std::move(answer));
      return;
    }
    if (!ignore_backoff && entry &&
        is_backing_off(entry->state, id, now, settings_.tuning)) {
      answer.entry = usable;
      answer.origin = usable ? PolicyOrigin::cache : PolicyOrigin::none;
      answer.fetch_failure = remembered_failure(d, id);
      answer.reason = usable ? "fetch-backoff-keep-cache" : "fetch-backoff-no-policy";
      lock.unlock();
      log_answer(answer);
      done(std::move(answer));
      return;
    }
    answer.reason = "refresh";
    const bool start = join(d, id, waiter(std::move(answer), usable, std::move(done)));
    lock.unlock();
    if (start) start_fetch(d, id);
  }

  // Completes a lookup when its flight lands.
  Waiter waiter(PolicyLookup answer, std::shared_ptr<const CachedPolicy> fallback,
                Callback done) {
    return [answer = std::move(answer), fallback = std::move(fallback),
            done = std::move(done)](const Outcome& outcome) mutable {
      if (outcome.stored) {
        answer.entry = outcome.stored;
        answer.origin = PolicyOrigin::fetched;
      } else {
        answer.entry = fallback;
        answer.origin = fallback ? PolicyOrigin::cache : PolicyOrigin::none;
        answer.fetch_failure = outcome.failure;
      }
      log_answer(answer);
      done(std::move(answer));
    };
  }

  // Adds `w` (if any) to the flight of `d`, creating it under `id` when there is none. True when
  // the caller must start the fetch. Called with mutex_ held.
  bool join(const std::string& d, const std::string& id, Waiter w) {
    auto [it, created] = flights_.try_emplace(d);
    if (created) it->second.id = id;
    if (w) it->second.waiters.push_back(std::move(w));
    return created;
  }

  void start_fetch(const std::string& d, const std::string& id) {
    fetches_.fetch_add(1);
    source_.fetch_policy(d, [self = shared_from_this(), d, id](PolicyFetchResult r) {
      self->land(d, id, r);
    });
  }

  // Stores what the fetch of `id` brought and answers everyone who waited for it.
  void land(const std::string& d, const std::string& id, const PolicyFetchResult& r) {
    // sts.db keeps whole seconds; memory keeps the same, so both decide alike.
    const core::SysTime at = core::from_unix(core::to_unix(clock_.now()));
    Outcome outcome;
    if (r.ok()) {
      const Policy& policy = r.value().policy;
      auto stored = cache_.store_policy(d, id, policy_text(policy), at);
      if (!stored) {
        spdlog::error("mta-sts policy cache store failed domain={} error={}",
                      core::log_value(d), core::log_value(stored.error().message));
      }
      outcome.stored = std::make_shared<CachedPolicy>(
          CachedPolicy{policy, id, at, at + std::chrono::seconds(policy.max_age)});
      spdlog::info("mta-sts policy stored domain={} id={} mode={} max_age={}",
                   core::log_value(d), core::log_value(id), to_string(policy.mode),
                   policy.max_age);
      std::shared_ptr<const StoredObserver> observer;
      {
        std::lock_guard lock(mutex_);
        observer = observer_;
      }
      if (observer && *observer) (*observer)(d, *outcome.stored, policy_text(policy));
    } else {
      fetch_failures_.fetch_add(1);
      const PolicyFetchFailure& f = r.failure();
      const std::string reason = std::string(to_string(f.error)) + ": " + f.detail;
      if (auto st = cache_.store_failure(d, id, at, reason); !st) {
        spdlog::error("mta-sts policy cache store failed domain={} error={}",
                      core::log_value(d), core::log_value(st.error().message));
      }
      outcome.failure = f;
    }
    std::vector<Waiter> waiters;
    {
      std::lock_guard lock(mutex_);
      if (outcome.stored) {
        Entry& e = memory_[d];
        e.state.cached = *outcome.stored;
        e.shared = outcome.stored;
        if (e.state.last_failure && e.state.last_failure->id == id) e.state.last_failure.reset();
        if (auto it = failures_.find(d); it != failures_.end() && it->second.first == id) {
          failures_.erase(it);
        }
      } else {
        if (auto it = memory_.find(d); it != memory_.end()) {
          it->second.state.last_failure = FetchFailure{id, at};
        }
        failures_[d] = {id, *outcome.failure};
      }
      auto it = flights_.find(d);
      if (it != flights_.end()) {
        waiters = std::move(it->second.waiters);
        flights_.erase(it);
      }
    }
    for (Waiter& w : waiters) w(outcome);
  }

  static void log_answer(const PolicyLookup& a) {
    spdlog::debug("mta-sts policy lookup domain={} origin={} id={} mode={} reason={} fetch_error={}",
                  core::log_value(a.domain), to_string(a.origin),
                  core::log_value(a.entry ? a.entry->id : std::string()),
                  a.entry ? to_string(a.entry->policy.mode) : "-", core::log_value(a.reason),
                  a.fetch_failure ? to_string(a.fetch_failure->error) : "-");
  }

  net::Resolver& dns_;
  PolicySource& source_;
  PolicyCache& cache_;
  const core::Clock& clock_;
  const PolicyResolverSettings settings_;

  std::mutex mutex_;
  std::map<std::string, Entry> memory_;
  std::map<std::string, std::pair<std::string, PolicyFetchFailure>> failures_;  // id, failure
  std::map<std::string, Flight> flights_;
  std::shared_ptr<const StoredObserver> observer_;  // under mutex_
  std::atomic<std::uint64_t> fetches_{0};
  std::atomic<std::uint64_t> fetch_failures_{0};
};

PolicyResolver::PolicyResolver(net::Resolver& dns, PolicySource& source, PolicyCache& cache,
                               const core::Clock& clock, PolicyResolverSettings settings)
    : impl_(std::make_shared<Impl>(dns, source, cache, clock, settings)) {}

PolicyResolver::~PolicyResolver() = default;

void PolicyResolver::resolve(std::string_view domain, Callback done) {
  impl_->lookup(domain, std::move(done), false, false);
}

void PolicyResolver::refresh(std::string_view domain, Callback done, bool ignore_backoff) {
  impl_->lookup(domain, std::move(done), true, ignore_backoff);
}

void PolicyResolver::set_stored_observer(StoredObserver observer) {
  impl_->set_stored_observer(std::move(observer));
}

core::Result<bool> PolicyResolver::adopt(std::string_view domain, const CachedPolicy& shared) {
  return impl_->adopt(domain, shared);
}

std::uint64_t PolicyResolver::fetches_started() const { return impl_->fetches_started(); }
std::uint64_t PolicyResolver::fetches_failed() const { return impl_->fetches_failed(); }

}  // namespace stsrelay::sts
