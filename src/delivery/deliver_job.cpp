// One delivery job (one message, one recipient domain): the domain's MTA-STS policy (RFC 8461
// §5.1), the route from DNS, then each address of each MX in order (RFC 5321 §5.1) until every
// recipient is decided, then one log line per recipient, the DSN for the bounced ones and one
// record() that stores both. The policy is asked before each MX is connected to and, through
// the client's TLS gate, after each STARTTLS, before MAIL FROM (sts_attempt.hpp).
//
// GCC 12: no lambdas with init-captures and no co_await inside ?: in the coroutines below;
// everything that builds a lambda is a plain function.
#include <algorithm>
#include <chrono>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include <boost/asio/use_awaitable.hpp>
#include <spdlog/spdlog.h>

#include "queue/dsn.hpp"
#include "src/core/domain_name.hpp"
#include "src/delivery/sts_attempt.hpp"
#include "sts/policy_resolver_await.hpp"
#include "tlsrpt/session_record.hpp"
#include "src/core/logging.hpp"
#include "src/delivery/agent_impl.hpp"
#include "src/delivery/attempt_log.hpp"
#include "src/delivery/fate.hpp"
#include "src/delivery/record_await.hpp"
#include "src/delivery/tls_policy.hpp"
#include "src/net/mx_targets.hpp"

namespace stsrelay::delivery {
namespace asio = boost::asio;
namespace {

// Where a recipient's fate was decided, for its log line and DSN.
struct Relay {
  std::string host;
  std::string ip;
  TlsLogFields tls;
  bool connected = false;  // false: relay=none
};

struct JobState {
  queue::DeliveryJob job;
  std::string content;
  std::vector<RecipientFate> fates;  // per recipient of the job
  std::vector<Relay> relays;
  std::vector<std::size_t> pending;  // recipients still to decide (next host)
  std::unique_ptr<StsAttempt> sts;   // the policy of this attempt
  Relay last_abandoned;              // the last host the policy abandoned, for the log line
};

struct Opened {
  PooledSession session;
  std::optional<smtp::StepFailure> failure;
  bool connected = false;    // a greeting was read
  bool reached_tls = false;  // EHLO done: STARTTLS was (or could have been) negotiated
  smtp::TlsStage tls;        // of the first try, when a failed handshake was retried in plain
};

PoolLimits limits_of(const DeliverySettings& s) {
  return {s.reuse_idle, s.reuse_max_transactions, s.reuse_max_idle_sessions};
}

smtp::TlsGate tls_gate(const StsAttempt& sts) {
  if (!sts.applies()) return {};  // opportunistic TLS: every outcome proceeds
  // A copy of the decision: the gate lives as long as the session, which may outlive the job.
  return [decision = sts.decision()](const smtp::TlsStage& stage) {
    const sts::Verdict v = decision.judge(tls_outcome_of(stage));
    return smtp::TlsVerdict{v.action != sts::Action::abandon_host, v.reason};
  };
}

smtp::ClientOptions client_options(const DeliverySettings& s,
                                   std::shared_ptr<asio::ssl::context> tls,
                                   const StsAttempt& sts, const std::string& host,
                                   bool starttls) {
  smtp::ClientOptions o;
  o.helo_name = s.helo_name;
  o.mx_host = host;
  o.tls_context = std::move(tls);
  o.starttls = starttls;
  o.tls_gate = tls_gate(sts);
  smtp::ClientTimeouts& t = o.timeouts;
  t.connect = s.connect_timeout;
  t.greeting = t.ehlo = t.starttls = t.mail = t.rcpt = t.data_init = t.rset = s.command_timeout;
  t.data_end = s.data_timeout;
  t.data_block = std::min<std::chrono::milliseconds>(s.data_timeout, std::chrono::minutes(3));
  // Nothing depends on QUIT's answer; keep a silent server from delaying a stop.
  t.quit = std::min<std::chrono::milliseconds>(s.command_timeout, std::chrono::seconds(10));
  return o;
}

core::Envelope envelope_for(const JobState& st) {
  core::Envelope env = st.job.envelope;
  env.recipients.clear();
  for (std::size_t i : st.pending) env.recipients.push_back(st.job.envelope.recipients[i]);
  return env;
}

// Stores the fates decided on `relay` (one per pending recipient, in order); recipients to be
// tried on the next host stay pending.
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

// A session that did not get as far as a greeting names the address in its reason, as the log
// line then says relay=none.
RecipientFate open_failure_fate(const smtp::StepFailure& failure, bool connected,
                                const Relay& relay, std::uint16_t port, bool last) {
  RecipientFate fate = fate_of(failure_of(failure), last);
  if (!connected) {
    fate.reply = relay.host + "[" + relay.ip + "]:" + std::to_string(port) + ": " + fate.reply;
  }
  return fate;
}

asio::awaitable<Opened> open_session(DeliveryAgent::Impl& impl, const DeliverySettings& settings,
                                     std::shared_ptr<asio::ssl::context> tls,
                                     const StsAttempt& sts, const std::string& host,
                                     const std::string& ip) {
  Opened out;
  out.session.session = std::make_unique<smtp::ClientSession>(
      impl.strand_, client_options(settings, tls, sts, host, true));
  smtp::OpenOutcome o = co_await out.session.session->open(ip, settings.smtp_port);
  out.tls = o.tls;
  const bool handshake_failed = o.tls.result && !o.tls.result->handshake_ok;
  // An enforce policy never falls back to plain text (RFC 8461 §5).
  if (!o.ok() && handshake_failed && !sts.decision().requires_tls()) {
    // RFC 7435 §4.2: a failed handshake under opportunistic TLS, so the same address again
    // without STARTTLS.
    spdlog::info("delivery: {}[{}]: TLS handshake failed ({}); trying again without STARTTLS",
                 host, ip, o.tls.result->handshake_error);
    out.session.session = std::make_unique<smtp::ClientSession>(
        impl.strand_, client_options(settings, tls, sts, host, false));
    o = co_await out.session.session->open(ip, settings.smtp_port);
  }
  out.connected = o.greeting.has_value();
  // Past EHLO: a TLS outcome exists to judge, even "no STARTTLS" (a failure at the tls phase
  // is the handshake or the gate).
  out.reached_tls = out.tls.result.has_value() ||
                    (out.connected && (!o.failure || o.failure->phase == smtp::ClientPhase::tls));
  out.session.tls = tls_log_fields(o.tls);
  out.session.tls_outcome = tls_outcome_of(out.tls);
  out.session.local_address = o.local_address;
  out.session.server_name = o.capabilities.server_name;
  out.failure = o.failure;
  co_return out;
}

std::string tls_phrase(const TlsLogFields& tls) {
  if (tls.version.empty()) return "plain text";
  if (tls.verdict == "verified") return "verified " + tls.version;
  return "unverified " + tls.version + " (" + tls.verdict + ")";
}

// The session's MTA-STS verdict, logged and recorded. True: the policy abandons the host, and
// the pending recipients stay pending for the next MX.
bool policy_abandons(JobState& st, const sts::Verdict& before, const PooledSession& session,
                     const Relay& relay, core::SysTime now) {
  const SessionFacts facts{relay.host, relay.ip, session.local_address, session.server_name};
  const sts::Verdict v = st.sts->session_done(before, session.tls_outcome, facts, now);
  if (v.action != sts::Action::abandon_host) return false;
  st.last_abandoned = relay;
  st.last_abandoned.tls = session.tls;
  spdlog::info("delivery: {}: {}[{}]: abandoned by the MTA-STS policy of {}: {}",
               st.job.message_id, relay.host, relay.ip, st.job.domain, v.reason);
  return true;
}

// One address of one MX: decides what it can for the pending recipients.
asio::awaitable<void> try_address(DeliveryAgent::Impl& impl, JobState& st,
                                  const DeliverySettings& settings,
                                  std::shared_ptr<asio::ssl::context> tls,
                                  const sts::Verdict& before, std::string host, std::string ip,
                                  bool last) {
  Relay relay{host, ip, {}, false};
  if (settings.dry_run) {
    // The dry run: everything up to MAIL FROM, then QUIT (issue 6).
    Opened opened = co_await open_session(impl, settings, tls, *st.sts, host, ip);
    relay.connected = opened.connected;
    relay.tls = opened.session.tls;
    if (opened.session.session) co_await opened.session.session->quit();
    if (opened.reached_tls &&
        policy_abandons(st, before, opened.session, relay, impl.clock_.now())) {
      co_return;
    }
    if (!opened.failure) {
      apply_all(st, {Fate::dry_run, "2.0.0",
                     "dry run: would deliver to " + host + " over " +
                         tls_phrase(opened.session.tls)},
                relay);
    } else {
      apply_all(st, open_failure_fate(*opened.failure, relay.connected, relay,
                                      settings.smtp_port, last),
                relay);
    }
    co_return;
  }

  const std::string key = host + "[" + ip + "]";
  const PoolLimits limits = limits_of(settings);
  PooledSession session = impl.pool_.take(key, std::chrono::steady_clock::now(), limits);
  if (session.session) {
    // A connection opened for another job: judged again under this domain's policy.
    relay.connected = true;
    relay.tls = session.tls;
    if (policy_abandons(st, before, session, relay, impl.clock_.now())) {
      impl.quit_sessions(
          impl.pool_.put(key, std::move(session), std::chrono::steady_clock::now(), limits));
      co_return;
    }
  }
  const core::Envelope envelope = envelope_for(st);
  bool reused = session.session != nullptr;
  std::optional<smtp::TransactionOutcome> t;
  while (!t) {
    if (!session.session) {
      Opened opened = co_await open_session(impl, settings, tls, *st.sts, host, ip);
      relay.connected = opened.connected;
      relay.tls = opened.session.tls;
      if (opened.reached_tls &&
          policy_abandons(st, before, opened.session, relay, impl.clock_.now())) {
        co_return;
      }
      if (opened.failure) {
        apply_all(st, open_failure_fate(*opened.failure, relay.connected, relay,
                                        settings.smtp_port, last),
                  relay);
        co_return;
      }
      session = std::move(opened.session);
    }
    relay.connected = true;
    t = co_await session.session->send(envelope, st.content);
    if (reused && t->failure && t->failure->phase == smtp::ClientPhase::rset) {
      // The server closed the idle connection meanwhile: once, a new one to the same address.
      spdlog::debug("delivery: {}: reused connection failed at RSET; connecting again", key);
      reused = false;
      session = PooledSession{};
      t.reset();
    }
  }
  relay.tls = session.tls;
  apply(st, transaction_fates(*t, st.pending.size(), last), relay);
  impl.quit_sessions(
      impl.pool_.put(key, std::move(session), std::chrono::steady_clock::now(), limits));
}

// The metrics' reading of an attempt: status, TLS (verified, unverified, none) and policy mode.
AttemptKey attempt_key(const AttemptLogLine& line) {
  std::string tls = "none";
  if (!line.tls_version.empty()) tls = line.tls_verdict == "verified" ? "verified" : "unverified";
  return AttemptKey{line.status, tls, line.sts_mode.empty() ? "no-policy" : line.sts_mode};
}

void log_attempt(DeliveryCounters& counters, const JobState& st, std::size_t i,
                 const RecipientFate& fate, std::uint16_t port, double delay) {
  const Relay& relay = st.relays[i];
  AttemptLogLine line;
  line.queue_id = st.job.message_id;
  line.recipient = st.job.recipients[i].address;
  line.relay_host = relay.connected ? relay.host : "none";
  if (relay.connected) line.relay_ip = relay.ip;
  line.relay_port = port;
  line.delay_seconds = delay;
  line.tls_version = relay.tls.version;
  line.tls_verdict = relay.tls.verdict;
  if (st.sts) {
    line.sts_mode = st.sts->mode_field();
    line.sts_id = st.sts->id_field();
    line.mx_verdict = st.sts->mx_field();
  }
  line.dsn = fate.dsn;
  line.status = std::string(status_word(fate.fate));
  line.reply = fate.reply;
  core::mail_log().info(format_attempt(line));
  counters.add(attempt_key(line));
}

std::vector<std::int64_t> recipient_ids(const queue::DeliveryJob& job) {
  std::vector<std::int64_t> ids;
  for (const auto& r : job.recipients) ids.push_back(r.id);
  return ids;
}

// Results, log lines and DSN for every recipient, then one record().
asio::awaitable<void> finish(std::shared_ptr<DeliveryAgent::Impl> self, JobState& st,
                             const DeliverySettings& settings) {
  const core::SysTime now = self->clock_.now();
  const core::SysTime received = core::from_unix(st.job.received_at);
  const double delay = std::chrono::duration<double>(now - received).count();
  std::vector<queue::RecipientResult> results;
  std::vector<queue::DsnRecipient> bounced;
  for (std::size_t i = 0; i < st.job.recipients.size(); ++i) {
    const auto& r = st.job.recipients[i];
    const RecipientFate fate = expire(st.fates[i], received, settings.max_lifetime, now);
    results.push_back(to_queue_result(r.id, fate, r.attempts, settings.retry_schedule, now,
                                      jitter(*self)));
    log_attempt(self->counters_, st, i, fate, settings.smtp_port, delay);
    if (fate.fate == Fate::bounced) {
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
  }
  std::vector<queue::NewMessage> notices;
  if (!bounced.empty()) {
    queue::DsnInput input;
    input.envelope = st.job.envelope;
    input.content = st.content;
    input.queue_id = st.job.message_id;
    input.recipients = std::move(bounced);
    input.reporting_mta = settings.reporting_mta;
    input.arrival = received;
    input.now = now;
    if (auto dsn = queue::build_dsn(input)) notices.push_back(std::move(*dsn));
  }
  RecordAnswer answer = co_await await_record(self->store_, std::move(results), std::move(notices));
  if (!answer) {
    spdlog::error("delivery: {}: recording the results failed: {}; the recipients stay queued",
                  st.job.message_id, answer.error().message);
    self->store_.release(recipient_ids(st.job));
  } else {
    for (const auto& id : *answer) {
      spdlog::info("delivery: {}: bounce notice queued as {}", st.job.message_id, id);
    }
  }
}

// ---- MTA-STS ------------------------------------------------------------------------------

std::optional<sts::LocalEnforcement> override_for(const DeliverySettings& s,
                                                  const std::string& domain) {
  if (s.sts_overrides.empty()) return std::nullopt;
  // [sts.override] keys are normalised (A-labels); so is the domain here when it can be.
  auto normalised = core::normalize_domain(domain);
  const auto it = s.sts_overrides.find(normalised ? *normalised : domain);
  if (it == s.sts_overrides.end()) return std::nullopt;
  return it->second;
}

// The policy that applies to this attempt (RFC 8461 §5.1), or to the look-again before a
// bounce (`refresh`).
// A message marked tls_optional (a TLS-RPT report, RFC 8460 §5.x: it must reach a domain whose
// TLS is broken) goes out without the policy, and its sessions are not recorded.
asio::awaitable<std::unique_ptr<StsAttempt>> policy_for(DeliveryAgent::Impl& impl,
                                                        const DeliverySettings& settings,
                                                        const queue::DeliveryJob& job,
                                                        bool refresh) {
  const std::string& domain = job.domain;
  const std::optional<sts::LocalEnforcement> local_override = override_for(settings, domain);
  sts::LocalEnforcement local = local_override.value_or(settings.sts_enforcement);
  if (job.envelope.tls_optional) local = sts::LocalEnforcement::off;
  if (local == sts::LocalEnforcement::off || impl.services_.policies == nullptr) {
    sts::PolicyLookup none;
    none.domain = domain;
    none.reason = "off";
    co_return std::make_unique<StsAttempt>(std::move(none),
                                           sts::decide(nullptr, local, local_override), false);
  }
  sts::PolicyLookup lookup;
  if (refresh) {
    lookup = co_await sts::async_refresh_policy(*impl.services_.policies, domain,
                                                asio::use_awaitable);
  } else {
    lookup = co_await sts::async_resolve_policy(*impl.services_.policies, domain,
                                                asio::use_awaitable);
  }
  sts::Decision decision = sts::decide(lookup.policy(), settings.sts_enforcement, local_override);
  co_return std::make_unique<StsAttempt>(std::move(lookup), std::move(decision), true);
}

bool policy_changed(const StsAttempt& before, const StsAttempt& now) {
  return now.decision().level() != before.decision().level() ||
         now.id_field() != before.id_field();
}

// Whether a deferral now would be a bounce (the queue lifetime ended).
bool would_bounce(const JobState& st, const DeliverySettings& settings, core::SysTime now) {
  const RecipientFate deferred{Fate::deferred, "4.7.5", ""};
  return expire(deferred, core::from_unix(st.job.received_at), settings.max_lifetime, now).fate ==
         Fate::bounced;
}

// Every MX of the route in order, each address of each, while recipients are pending.
asio::awaitable<void> try_route(DeliveryAgent::Impl& impl, JobState& st,
                                const DeliverySettings& settings,
                                std::shared_ptr<asio::ssl::context> tls,
                                const net::DeliveryRoute& route) {
  for (std::size_t t = 0; t < route.targets.size() && !st.pending.empty(); ++t) {
    const net::DeliveryTarget& target = route.targets[t];
    // §4.1: an MX the policy does not list is not connected to under enforce.
    const sts::Verdict before = st.sts->before_connect(target.host, impl.clock_.now());
    if (before.action == sts::Action::abandon_host) {
      st.last_abandoned = Relay{target.host, "", {}, false};
      continue;
    }
    for (std::size_t a = 0; a < target.addresses.size() && !st.pending.empty(); ++a) {
      const bool last = t + 1 == route.targets.size() && a + 1 == target.addresses.size();
      co_await try_address(impl, st, settings, tls, before, target.host,
                           target.addresses[a].to_string(), last);
    }
  }
}

// Recipients no host took because the policy abandoned the hosts: deferred with the 4.7.x reply
// that names each host and why (a dry run records what it would have done instead).
void settle_policy_deferrals(JobState& st, const DeliverySettings& settings) {
  if (st.pending.empty()) return;
  const std::optional<sts::DeferReply> reply = st.sts->defer_reply();
  if (!reply) return;
  RecipientFate fate{Fate::deferred, reply->enhanced_code, reply->to_string()};
  if (settings.dry_run) {
    fate = RecipientFate{Fate::dry_run, reply->enhanced_code, "dry run: would defer: " +
                                                                  reply->to_string()};
  }
  apply_all(st, fate, st.last_abandoned);
}

void flush_records(DeliveryAgent::Impl& impl, StsAttempt& sts) {
  std::vector<tlsrpt::SessionRecord> records = sts.take_records();
  if (impl.services_.outcomes == nullptr) return;
  for (tlsrpt::SessionRecord& r : records) impl.services_.outcomes->record(std::move(r));
}

}  // namespace

asio::awaitable<void> run_job(std::shared_ptr<DeliveryAgent::Impl> self, queue::DeliveryJob job) {
  const DeliverySettings settings = self->settings_;
  const std::shared_ptr<asio::ssl::context> tls = self->tls_;
  JobState st;
  st.job = std::move(job);
  const std::size_t n = st.job.recipients.size();
  st.fates.assign(n, RecipientFate{Fate::deferred, "4.4.0", "no delivery target was tried"});
  st.relays.assign(n, Relay{});
  for (std::size_t i = 0; i < n; ++i) st.pending.push_back(i);

  auto content = self->store_.load_content(st.job.message_id);
  if (!content) {
    if (content.error().kind != core::ErrorKind::not_found) {
      spdlog::error("delivery: {}: reading the message failed: {}", st.job.message_id,
                    content.error().message);
    }
    self->store_.release(recipient_ids(st.job));
    co_return;
  }
  st.content = std::move(*content);

  st.sts = co_await policy_for(*self, settings, st.job, false);
  const net::DeliveryRoute route =
      co_await net::resolve_delivery_targets(self->resolver_, st.job.domain);
  if (!route.ok()) {
    const net::RouteFailure& f = *route.failure;
    Failure failure{Stage::dns, 0, f.dsn, f.text};
    if (f.permanent) failure.reply_code = 550;
    apply_all(st, fate_of(failure, true), Relay{});
  } else {
    co_await try_route(*self, st, settings, tls, route);
    if (!st.pending.empty() && st.sts->any_abandoned() &&
        would_bounce(st, settings, self->clock_.now())) {
      // RFC 8461 §5.1: before a message bounces because of the policy, look it up again; a
      // changed policy (a new id, or no longer enforce) gets one more pass over the route.
      std::unique_ptr<StsAttempt> again = co_await policy_for(*self, settings, st.job, true);
      if (policy_changed(*st.sts, *again)) {
        spdlog::info("delivery: {}: the MTA-STS policy of {} changed before the bounce; trying "
                     "again under it",
                     st.job.message_id, st.job.domain);
        flush_records(*self, *st.sts);
        st.sts = std::move(again);
        co_await try_route(*self, st, settings, tls, route);
      }
    }
    settle_policy_deferrals(st, settings);
  }
  co_await finish(self, st, settings);
  flush_records(*self, *st.sts);
}

}  // namespace stsrelay::delivery
