#include "sts/cache_decision.hpp"

#include <algorithm>

#include "src/core/enum_names.hpp"

namespace stsrelay::sts {

namespace {
constexpr core::EnumNameList<CacheAction::no_policy> kActionNames{
    {"use-cached", "fetch", "no-policy"}, "no-policy"};
}  // namespace

std::string_view to_string(CacheAction action) { return kActionNames.name(action); }

bool is_unexpired(const CachedPolicy& cached, core::SysTime now) {
  return now < cached.expires_at;
}

core::SysTime refresh_due_at(const CachedPolicy& cached, const CacheTuning& tuning) {
  auto lifetime = cached.expires_at - cached.fetched_at;
  auto half = lifetime / 2;
  auto interval = std::min<core::SysTime::duration>(half, tuning.max_refresh_interval);
  return cached.fetched_at + std::max<core::SysTime::duration>(interval, {});
}

bool is_backing_off(const CacheState& state, std::string_view id, core::SysTime now,
                    const CacheTuning& tuning) {
  return state.last_failure && state.last_failure->id == id &&
         now >= state.last_failure->at && now - state.last_failure->at < tuning.fetch_retry_delay;
}

CacheDecision decide_cache(const CacheState& state, const TxtLookup& txt, core::SysTime now,
                           const CacheTuning& tuning) {
  const bool usable = state.cached && is_unexpired(*state.cached, now);
  const TxtFound* found = std::get_if<TxtFound>(&txt);
  CacheDecision d;

  if (usable) {
    const CachedPolicy& cached = *state.cached;
    if (found && found->id != cached.id) {
      // §5.1: a new id means a new policy; fetch it, keep the cached one if that fails (§3.3).
      if (is_backing_off(state, found->id, now, tuning)) {
        d.action = CacheAction::use_cached;
        d.reason = "fetch-backoff-keep-cache";
        return d;
      }
      d.action = CacheAction::fetch;
      d.on_fetch_failure = OnFetchFailure::use_cached;
      d.fetch_id = found->id;
      d.reason = "id-changed";
      return d;
    }
    d.action = CacheAction::use_cached;
    // §3.1 note and §10.2: a missing or failed TXT lookup does not remove a cached policy.
    d.reason = found ? "cache-hit"
               : std::holds_alternative<TxtAbsent>(txt) ? "txt-absent-keep-cache"
                                                        : "txt-failed-keep-cache";
    // §10.2: refresh before expiry whatever the TXT record says, under the id we know.
    if (now >= refresh_due_at(cached, tuning) && !is_backing_off(state, cached.id, now, tuning)) {
      d.refresh_in_background = true;
      d.fetch_id = cached.id;
      if (found) d.reason = "refresh";
    }
    return d;
  }

  if (!found) {
    // Nothing usable cached and no id to fetch: no policy (§3.1: no available policy). An
    // expired policy is not revived without a TXT record: that is how a domain leaves MTA-STS.
    d.action = CacheAction::no_policy;
    // A failed lookup is not an answer: "txt-failed" lets REQUIRETLS mail wait instead of
    // bouncing as it would for a domain known to have no policy (RFC 8689 §4.2.1).
    d.reason = std::holds_alternative<TxtLookupFailed>(txt) ? "txt-failed" : "no-record";
    return d;
  }
  if (is_backing_off(state, found->id, now, tuning)) {
    d.action = CacheAction::no_policy;
    d.reason = "fetch-backoff-no-policy";
    return d;
  }
  // §3.3: "If a valid TXT record is found but no policy can be fetched via HTTPS (for any
  // reason), and there is no valid (non-expired) previously cached policy, senders MUST continue
  // with delivery as though the domain has not implemented MTA-STS."
  d.action = CacheAction::fetch;
  d.on_fetch_failure = OnFetchFailure::no_policy;
  d.fetch_id = found->id;
  d.reason = state.cached ? "expired" : "no-cache";
  return d;
}

}  // namespace stsrelay::sts
