// The MTA-STS policy of a recipient domain, as delivery needs it right before an attempt
// (RFC 8461 §5.1, §3.3, §10.2): the I/O shell around the pure parts.
//
//   1. TXT `_mta-sts.<domain>` through the Resolver, parsed by parse_txt_records (§3.1);
//   2. the cache entry (memory in front of sts.db, the truth across restarts);
//   3. decide_cache (cache_decision.hpp) with `now` from the injected Clock;
//   4. when it says so, a fetch through the PolicySource (PolicyFetcher in production);
//   5. the fetched policy, or the failure (§3.3: no second fetch of that id for 5 minutes),
//      stored in the cache; then the answer.
//
// Concurrent lookups of one domain share one fetch (no thundering herd). A cached, unexpired
// policy is never dropped because the TXT record vanished or its lookup failed (§3.1 note,
// §10.2: hiding the record must not downgrade), nor because a fetch failed (§3.3).
//
// What it deliberately does not do: decide which MX may be tried (enforcement.hpp), or schedule
// background refreshes (policy_refresher.hpp calls refresh()).
//
// Threads: every method may be called from any thread; callbacks run on the thread of the
// Resolver's or the PolicySource's completion (or the caller's, when the answer is at hand)
// and must not block. Coroutines use policy_resolver_await.hpp.
#pragma once

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "src/core/clock.hpp"
#include "src/net/dns_resolver.hpp"
#include "sts/cache_decision.hpp"
#include "sts/fetch_error.hpp"
#include "sts/policy_cache.hpp"
#include "sts/policy_fetcher.hpp"

namespace stsrelay::sts {

// Where the policy of an answer came from.
enum class PolicyOrigin {
  none,     // no policy applies
  cache,    // the cached policy (memory or sts.db), without a fetch in this lookup
  fetched,  // fetched during this lookup
};
std::string_view to_string(PolicyOrigin origin);

struct PolicyLookup {
  std::string domain;  // normalised: lower case, A-labels, no trailing dot
  // The policy with its TXT id, fetch time and expiry; null when no policy applies.
  std::shared_ptr<const CachedPolicy> entry;
  PolicyOrigin origin = PolicyOrigin::none;
  // Set when a fetch failed in this lookup, or when the 5-minute rule (§3.3) skipped the fetch of
  // an id whose failure this process remembers: the reason and the TLS-RPT result type
  // (sts-policy-fetch-error, sts-webpki-invalid, sts-policy-invalid; RFC 8460 §4.3.2.2). With a
  // policy set too, the cached policy is used in spite of the failure.
  std::optional<PolicyFetchFailure> fetch_failure;
  // The id the TXT record announced, when one was found (§3.1).
  std::optional<std::string> txt_id;
  // decide_cache()'s token for the log line (cache-hit, id-changed, no-record, txt-failed, ...),
  // or "refresh",
  // refresh()'s "refresh", "no-record" (no TXT id and nothing cached) and "txt-failed" (the TXT
  // lookup failed and nothing is cached), or "invalid-domain: <why>".
  std::string reason;

  bool has_policy() const { return entry != nullptr; }
  // For sts::decide(): the policy, sharing the entry's lifetime; null when none applies.
  std::shared_ptr<const Policy> policy() const {
    return entry ? std::shared_ptr<const Policy>(entry, &entry->policy) : nullptr;
  }
};

struct PolicyResolverSettings {
  CacheTuning tuning;  // the 5-minute rule and the refresh point
};

class PolicyResolver {
 public:
  using Callback = std::function<void(PolicyLookup)>;

  // Every reference must outlive the resolver and every lookup in flight.
  PolicyResolver(net::Resolver& dns, PolicySource& source, PolicyCache& cache,
                 const core::Clock& clock, PolicyResolverSettings settings = {});
  ~PolicyResolver();
  PolicyResolver(const PolicyResolver&) = delete;
  PolicyResolver& operator=(const PolicyResolver&) = delete;

  // The policy to apply to a delivery to `domain` now (§5.1). `done` runs exactly once. When the
  // cached policy is past its refresh point, the answer comes from the cache at once and a
  // refresh runs in the background (§10.2).
  void resolve(std::string_view domain, Callback done);

  // Looks the TXT record up and fetches the policy now, whatever the cache says: for
  // `stsrelay policy refresh`, the background refresher (§10.2) and the look-again before a
  // bounce (§5.1). Without a TXT id the cached id is refreshed. A failed fetch keeps the
  // cached, unexpired policy in the answer. `ignore_backoff` skips the 5-minute rule of §3.3
  // (an administrator's explicit request); otherwise an id that failed less than 5 minutes ago
  // is not fetched again and the answer is what the cache holds.
  void refresh(std::string_view domain, Callback done, bool ignore_backoff = false);

  // Runs after each successful fetch was stored, with the text sts.db keeps, on the fetch's
  // completion thread (it must not block): a fleet node publishes the policy to the shared cache
  // (shared_policy_sync.hpp). Set it before the first lookup.
  using StoredObserver = std::function<void(const std::string& domain, const CachedPolicy& policy,
                                            const std::string& text)>;
  void set_stored_observer(StoredObserver observer);

  // A peer's copy of `domain`'s policy, from the fleet's shared cache: kept in memory and sts.db
  // when merge_policy() (shared_policy_merge.hpp) says it wins over this node's copy, so that a
  // policy another node fetched applies here without a fetch. True when it was adopted. Any
  // thread, but it writes sts.db: never call it on an Asio thread.
  core::Result<bool> adopt(std::string_view domain, const CachedPolicy& shared);

  // Fetches started so far (each shared by every lookup that joined it), for tests and metrics.
  std::uint64_t fetches_started() const;
  // Fetches that ended in a failure (TLS-RPT's sts-policy-fetch-error, sts-webpki-invalid or
  // sts-policy-invalid), for metrics.
  std::uint64_t fetches_failed() const;

  class Impl;

 private:
  std::shared_ptr<Impl> impl_;
};

}  // namespace stsrelay::sts
