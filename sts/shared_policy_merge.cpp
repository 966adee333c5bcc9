#include "sts/shared_policy_merge.hpp"

#include "src/core/enum_names.hpp"

namespace stsrelay::sts {

namespace {
constexpr core::EnumNameList<MergeWinner::shared> kWinnerNames{{"local", "shared"}, "local"};
}  // namespace

std::string_view to_string(MergeWinner winner) { return kWinnerNames.name(winner); }

bool is_newer_fetch(core::SysTime candidate_fetched_at, std::string_view candidate_id,
                    core::SysTime stored_fetched_at, std::string_view stored_id) {
  if (candidate_fetched_at != stored_fetched_at) return candidate_fetched_at > stored_fetched_at;
  return candidate_id > stored_id;
}

MergeWinner merge_policy(const std::optional<CachedPolicy>& local, const CachedPolicy& shared,
                         core::SysTime now) {
  // §5.1: an expired policy applies to nothing; it never replaces what a node has.
  if (!is_unexpired(shared, now)) return MergeWinner::local;
  if (!local) return MergeWinner::shared;
  return is_newer_fetch(shared.fetched_at, shared.id, local->fetched_at, local->id)
             ? MergeWinner::shared
             : MergeWinner::local;
}

bool may_take_lease(const std::optional<RefreshLease>& current, std::string_view node,
                    core::SysTime now) {
  return !current || current->expires_at <= now || current->node == node;
}

}  // namespace stsrelay::sts
