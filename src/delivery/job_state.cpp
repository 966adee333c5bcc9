#include "src/delivery/job_state.hpp"

#include <utility>

namespace stsrelay::delivery {

JobState start_job(queue::DeliveryJob job) {
  JobState st;
  st.job = std::move(job);
  const std::size_t n = st.job.recipients.size();
  st.fates.assign(n, RecipientFate{Fate::deferred, "4.4.0", "no delivery target was tried"});
  st.relays.assign(n, Relay{});
  for (std::size_t i = 0; i < n; ++i) st.pending.push_back(i);
  return st;
}

std::vector<std::int64_t> recipient_ids(const queue::DeliveryJob& job) {
  std::vector<std::int64_t> ids;
  for (const auto& r : job.recipients) ids.push_back(r.id);
  return ids;
}

core::Envelope pending_envelope(const JobState& st) {
  core::Envelope env = st.job.envelope;
  env.recipients.clear();
  for (std::size_t i : st.pending) env.recipients.push_back(st.job.envelope.recipients[i]);
  return env;
}

void apply(JobState& st, const std::vector<RecipientFate>& fates, const Relay& relay) {
  std::vector<std::size_t> still;
  for (std::size_t k = 0; k < st.pending.size() && k < fates.size(); ++k) {
    const std::size_t i = st.pending[k];
    st.fates[i] = fates[k];
    st.relays[i] = relay;
    if (fates[k].fate == Fate::next_host) still.push_back(i);
  }
  st.pending = std::move(still);
}

void apply_all(JobState& st, const RecipientFate& fate, const Relay& relay) {
  apply(st, std::vector<RecipientFate>(st.pending.size(), fate), relay);
}

void settle_abandoned(JobState& st, const std::optional<sts::DeferReply>& reply, bool dry_run) {
  if (st.pending.empty() || !reply) return;
  // A policy or floor that was not met defers (451); REQUIRETLS that no host met bounces (550).
  const bool permanent = reply->code / 100 == 5;
  RecipientFate fate{permanent ? Fate::bounced : Fate::deferred, reply->enhanced_code,
                     reply->to_string()};
  if (dry_run) {
    fate = RecipientFate{Fate::dry_run, reply->enhanced_code,
                         std::string(permanent ? "dry run: would bounce: "
                                               : "dry run: would defer: ") +
                             reply->to_string()};
  }
  apply_all(st, fate, st.last_abandoned);
}

bool would_bounce(const JobState& st, std::chrono::seconds max_lifetime, core::SysTime now) {
  const RecipientFate deferred{Fate::deferred, "4.7.5", ""};
  return expire(deferred, core::from_unix(st.job.received_at), max_lifetime, now).fate ==
         Fate::bounced;
}

std::vector<RecipientFate> final_fates(const JobState& st, std::chrono::seconds max_lifetime,
                                       core::SysTime now) {
  const core::SysTime received = core::from_unix(st.job.received_at);
  std::vector<RecipientFate> out;
  out.reserve(st.fates.size());
  for (const RecipientFate& fate : st.fates) {
    out.push_back(expire(fate, received, max_lifetime, now));
  }
  return out;
}

std::vector<queue::RecipientResult> queue_results(const JobState& st,
                                                  const std::vector<RecipientFate>& finals,
                                                  const queue::RetrySchedule& schedule,
                                                  core::SysTime now,
                                                  const std::function<double()>& random_unit) {
  std::vector<queue::RecipientResult> out;
  for (std::size_t i = 0; i < st.job.recipients.size() && i < finals.size(); ++i) {
    const queue::RecipientRecord& r = st.job.recipients[i];
    out.push_back(to_queue_result(r.id, finals[i], r.attempts, schedule, now, random_unit()));
  }
  return out;
}

}  // namespace stsrelay::delivery
