#include "src/delivery/job_report.hpp"

#include <algorithm>

#include <chrono>
#include <functional>
#include <utility>

#include <spdlog/spdlog.h>

#include "queue/dsn.hpp"
#include "src/core/logging.hpp"
#include "src/delivery/agent_impl.hpp"
#include "src/dkim/relay_signing.hpp"
#include "src/net/await_callback.hpp"

namespace stsrelay::delivery {
namespace asio = boost::asio;

AttemptLogLine attempt_line(const JobState& st, const StsAttempt& sts, const FloorAttempt& floor,
                            const std::string& dane, std::size_t i, const RecipientFate& fate,
                            std::uint16_t port, double delay) {
  const Relay& relay = st.relays[i];
  AttemptLogLine line;
  line.queue_id = st.job.message_id;
  line.recipient = st.job.recipients[i].address;
  line.relay_host = relay.connected ? relay.host : "none";
  if (relay.connected) line.relay_ip = relay.ip;
  line.relay_port = relay.port != 0 ? relay.port : port;
  line.floor = floor.floor_field();
  line.delay_seconds = delay;
  line.tls_version = relay.tls.version;
  line.tls_verdict = relay.tls.verdict;
  line.sts_mode = sts.mode_field();
  line.sts_id = sts.id_field();
  line.mx_verdict = sts.mx_field();
  line.dane = dane;
  line.dsn = fate.dsn;
  line.status = std::string(status_word(fate.fate));
  line.reply = fate.reply;
  return line;
}

AttemptKey attempt_key(const AttemptLogLine& line) {
  std::string tls = "none";
  if (!line.tls_version.empty()) tls = line.tls_verdict == "verified" ? "verified" : "unverified";
  return AttemptKey{line.status, tls, line.sts_mode.empty() ? "no-policy" : line.sts_mode};
}

std::optional<queue::NewMessage> bounce_notice(const JobState& st,
                                               const std::vector<RecipientFate>& finals,
                                               const std::string& content,
                                               const std::string& reporting_mta,
                                               core::SysTime now) {
  std::vector<queue::DsnRecipient> bounced;
  for (std::size_t i = 0; i < st.job.recipients.size() && i < finals.size(); ++i) {
    const RecipientFate& fate = finals[i];
    if (fate.fate != Fate::bounced) continue;
    const queue::RecipientRecord& r = st.job.recipients[i];
    queue::DsnRecipient d;
    d.address = r.address;
    d.notify = r.notify;
    d.orcpt = r.orcpt;
    d.action = queue::DsnAction::failed;
    d.status = fate.dsn;
    if (st.relays[i].connected) d.remote_mta = st.relays[i].host;
    d.diagnostic = fate.reply;
    d.last_attempt = now;
    bounced.push_back(std::move(d));
  }
  if (bounced.empty()) return std::nullopt;
  queue::DsnInput input;
  input.envelope = st.job.envelope;
  input.content = content;
  // A large message's bounce gets only its header section (deliver_job.cpp): the DSN decides
  // on RET=FULL by the size of the stored message, not of what it was given.
  input.content_size = static_cast<std::uint64_t>(st.job.size);
  input.queue_id = st.job.message_id;
  input.recipients = std::move(bounced);
  input.reporting_mta = reporting_mta;
  input.arrival = core::from_unix(st.job.received_at);
  input.now = now;
  return queue::build_dsn(input);
}

void sign_notice(queue::NewMessage& notice, const dkim::SigningKeys& keys, core::SysTime now) {
  dkim::RelaySigning signing = dkim::sign_relayed(notice.content, keys, now);
  if (signing.failed) spdlog::error("dkim: signing a bounce notice failed: {}", signing.not_signed);
  notice.content.insert(0, signing.fields);
}

namespace {

// GCC 12: a plain function builds the lambda, not the coroutine below.
std::function<double()> jitter_of(DeliveryAgent::Impl& impl) {
  return [&impl] { return jitter(impl); };
}

}  // namespace

asio::awaitable<void> report_job(DeliveryAgent::Impl& impl, const JobState& st,
                                 const StsAttempt& sts, const FloorAttempt& floor,
                                 const std::string& dane,
                                 const std::function<const std::string*()>& content,
                                 const DeliverySettings& settings) {
  const core::SysTime now = impl.clock_.now();
  const double delay =
      std::chrono::duration<double>(now - core::from_unix(st.job.received_at)).count();
  const std::vector<RecipientFate> finals = final_fates(st, settings.max_lifetime, now);
  const bool bounces = std::any_of(finals.begin(), finals.end(), [](const RecipientFate& f) {
    return f.fate == Fate::bounced;
  });
  const std::string* message = bounces ? content() : nullptr;
  if (bounces && message == nullptr) co_return;
  std::vector<queue::RecipientResult> results = queue_results(
      st, finals, settings.retry_schedule, now, jitter_of(impl));
  for (std::size_t i = 0; i < finals.size(); ++i) {
    const AttemptLogLine line = attempt_line(st, sts, floor, dane, i, finals[i], settings.smtp_port,
                                             delay);
    core::mail_log().info(format_attempt(line));
    impl.counters_.add(attempt_key(line));
  }
  std::vector<queue::NewMessage> notices;
  if (bounces) {
    if (auto dsn = bounce_notice(st, finals, *message, settings.reporting_mta, now)) {
      if (settings.signing_keys) sign_notice(*dsn, *settings.signing_keys, now);
      notices.push_back(std::move(*dsn));
    }
  }
  const auto recording = std::chrono::steady_clock::now();
  core::Result<std::vector<std::string>> answer = co_await net::await_call(
      impl.store_, &queue::Store::record, std::move(results), std::move(notices));
  impl.stages_.record.observe(std::chrono::steady_clock::now() - recording);
  if (!answer) {
    spdlog::error("delivery: {}: recording the results failed: {}; the recipients stay queued",
                  st.job.message_id, answer.error().message);
    impl.store_.release(recipient_ids(st.job));
  } else {
    for (const auto& id : *answer) {
      spdlog::info("delivery: {}: bounce notice queued as {}", st.job.message_id, id);
    }
  }
}

}  // namespace stsrelay::delivery
