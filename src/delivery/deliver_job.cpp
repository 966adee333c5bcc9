// One delivery job (one message, one recipient domain): the domain's route ([[route]], the
// sender's domain included), for MX delivery its MTA-STS policy (RFC 8461 §5.1) with the local
// override, the hosts from DNS (the MX records, or a configured next hop's A/AAAA), then each
// address of each host in order (RFC 5321 §5.1) until every recipient is decided; then the
// report (job_report.hpp). The policy and the route's TLS floor (tls_floor.hpp) are asked before
// each host is connected to and, through the client's TLS gate, after each STARTTLS, before
// MAIL FROM (sts_attempt.hpp); the stricter of the two decides. Sessions are opened on one path, with or
// without the TLS-to-plain fallback of RFC 7435, taken from the pool when one is idle for the
// same address; a dry run (delivery.dry_run) takes the same path and stops before MAIL FROM.
// What a step's outcome means for each recipient is job_state.hpp and trouble.hpp.
//
// GCC 12: no lambdas with init-captures and no co_await inside ?: in the coroutines below;
// everything that builds a lambda is a plain function.
#include <algorithm>
#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include <boost/asio/use_awaitable.hpp>
#include <spdlog/spdlog.h>

#include "queue/dsn.hpp"
#include "queue/message_text.hpp"
#include "src/core/content_source.hpp"
#include "src/delivery/agent_impl.hpp"
#include "src/delivery/dane_host.hpp"
#include "src/delivery/dane_session.hpp"
#include "src/delivery/job_report.hpp"
#include "src/delivery/job_route.hpp"
#include "src/delivery/job_state.hpp"
#include "src/delivery/sts_attempt.hpp"
#include "src/delivery/tls_floor.hpp"
#include "src/delivery/tls_log_field.hpp"
#include "src/delivery/tlsa_lookup.hpp"
#include "src/net/await_callback.hpp"
#include "src/net/mx_targets.hpp"
#include "src/core/domain_name.hpp"
#include "sts/policy_resolver_await.hpp"
#include "tlsrpt/session_record.hpp"

namespace stsrelay::delivery {
namespace asio = boost::asio;
namespace {

// A job in flight: its recipients, the message, its route and the policy of this attempt.
struct Job {
  JobState state;
  // The message, read from the queue when a session is ready for it or a bounce needs it, not
  // before: a job that defers on DNS or on a policy (a dead domain's backlog) never reads it.
  std::optional<std::string> content;
  bool content_gone = false;  // the message was deleted meanwhile (`stsrelay queue delete`)
  const Route* route = nullptr;  // in the job's copy of the settings
  std::string route_name;        // "route[2]", or "default" when no table matched
  std::unique_ptr<StsAttempt> sts;
  std::unique_ptr<FloorAttempt> floor;
  // dane.enforcement (or its override) is not off for this MX job, or the route's floor asks
  // for DANE (MX hosts or next hops by name).
  bool dane_enabled = false;
  bool dane_testing = false;
  DaneHost dane;              // of the host being tried now
  std::vector<sts::HostVerdict> dane_abandoned;
  std::vector<std::string> dane_log;  // "host:verdict" per host tried, for the dane= field
};

// Messages up to this size are read whole once per job and kept while it runs (the common case,
// one query); larger ones are read in chunks from the queue for each transaction, so a delivery
// holds a read block and a write block, not the message.
constexpr std::int64_t kReadWholeUpTo = 1024 * 1024;

// Notes a message that can no longer be read: deleted meanwhile, or (logged) a queue error.
void content_lost(Job& job, const core::Error& error) {
  if (error.kind != core::ErrorKind::not_found) {
    spdlog::error("delivery: {}: reading the message failed: {}", job.state.job.message_id,
                  error.message);
  }
  job.content_gone = true;
}

// The job's message read whole, once; null (and content_gone) when it can no longer be read.
const std::string* job_content(DeliveryAgent::Impl& impl, Job& job) {
  if (job.content) return &*job.content;
  if (job.content_gone) return nullptr;
  auto content = impl.store_.load_content(job.state.job.message_id);
  if (!content) {
    content_lost(job, content.error());
    return nullptr;
  }
  job.content = std::move(*content);
  return &*job.content;
}

// The message for one transaction: the job's copy in memory, or a chunked reader of the queue
// for a large one, which the caller drops once the transaction is over (it holds a read
// transaction on queue.db). Null (and content_gone) when it can no longer be read.
std::unique_ptr<core::ContentSource> transaction_content(DeliveryAgent::Impl& impl, Job& job) {
  if (job.state.job.size <= kReadWholeUpTo) {
    const std::string* whole = job_content(impl, job);
    if (whole == nullptr) return nullptr;
    return std::make_unique<core::StringSource>(*whole);
  }
  if (job.content_gone) return nullptr;
  auto source = impl.store_.open_content(job.state.job.message_id);
  if (!source) {
    content_lost(job, source.error());
    return nullptr;
  }
  return std::move(*source);
}

// What a bounce returns of the message (queue/dsn.hpp): the whole message when the DSN may
// carry it (up to DsnInput::max_returned_size, read whole only for this rare case), else only
// its header section, read from the start of the stored content.
const std::string* bounce_content(DeliveryAgent::Impl& impl, Job& job) {
  if (job.state.job.size <= static_cast<std::int64_t>(queue::DsnInput{}.max_returned_size)) {
    return job_content(impl, job);
  }
  if (job.content) return &*job.content;
  std::unique_ptr<core::ContentSource> source = transaction_content(impl, job);
  if (!source) return nullptr;
  constexpr std::size_t kHeaderLimit = 1024 * 1024;
  std::string header(std::min<std::uint64_t>(kHeaderLimit, source->size()), '\0');
  std::size_t got = 0;
  while (got < header.size()) {
    auto n = source->read_at(got, header.data() + got, header.size() - got);
    if (!n || *n == 0) {
      content_lost(job, n ? core::Error::temporary("the content ended early") : n.error());
      return nullptr;
    }
    got += *n;
  }
  header.resize(queue::header_section(header).size());
  job.content = std::move(header);
  return &*job.content;
}

struct Opened {
  PooledSession session;
  DaneSession dane;
  std::optional<smtp::StepFailure> failure;
  bool connected = false;    // a greeting was read
  bool reached_tls = false;  // EHLO done: STARTTLS was (or could have been) negotiated
  smtp::TlsStage tls;        // of the first try, when a failed handshake was retried in plain
};

// The floor's verdict and, for MX delivery, the policy's: the stronger one decides.
sts::Verdict judge_session(const sts::Decision& decision, bool policy_applies,
                           const TlsDemand& demand, std::string_view host,
                           const sts::TlsOutcome& tls) {
  sts::Verdict v = judge_floor(demand, host, tls);
  if (policy_applies) v = stronger(v, decision.judge(tls));
  return v;
}

// Where the gate leaves DANE's judgement of the session, so that open_session() uses it
// instead of matching the chain a second time.
using DaneSeen = std::shared_ptr<std::optional<DaneSession>>;

smtp::TlsGate tls_gate(const Job& job, const std::string& host, DaneSeen seen) {
  const TlsDemand& demand = job.floor->demand();
  // Opportunistic TLS, no floor, no REQUIRETLS, no DANE: every outcome proceeds.
  if (!job.sts->applies() && allows_plain(demand) && !job.dane.applies()) return {};
  // Copies: the gate lives as long as the session, which may outlive the job.
  return [decision = job.sts->decision(), applies = job.sts->applies(), demand, host,
          dane = job.dane, seen = std::move(seen)](const smtp::TlsStage& stage) {
    // RFC 8461 §2: a failing DANE check is never overridden; DANE wins a tie.
    const DaneSession& d = seen->emplace(check_dane(dane, stage, host));
    const sts::Verdict v =
        stronger(d.verdict, judge_session(decision, applies, demand, host, d.outcome));
    return smtp::TlsVerdict{v.action != sts::Action::abandon_host, v.reason};
  };
}

smtp::ClientOptions client_options(const DeliverySettings& s,
                                   std::shared_ptr<asio::ssl::context> tls, const Job& job,
                                   const std::string& host, bool starttls,
                                   DaneSeen seen) {
  const Route& route = *job.route;
  smtp::ClientOptions o;
  o.helo_name = s.helo_name;
  o.mx_host = host;
  if (job.dane.applies()) o.sni_host = job.dane.base_domain;
  o.tls_context = std::move(tls);
  o.starttls = starttls && attempts_tls(job.floor->demand());
  o.implicit_tls = route.implicit_tls;
  if (route.credentials) {
    o.auth = smtp::ClientCredentials{route.credentials->user, route.credentials->password};
  }
  o.source_address = route.source_address.empty() ? s.source_address : route.source_address;
  o.tls_gate = tls_gate(job, host, std::move(seen));
  o.keep_peer_chain = job.dane.state == DaneState::usable;
  smtp::ClientTimeouts& t = o.timeouts;
  t.connect = s.connect_timeout;
  t.greeting = t.ehlo = t.starttls = t.auth = t.mail = t.rcpt = t.data_init = t.rset =
      s.command_timeout;
  t.data_end = s.data_timeout;
  t.data_block = std::min<std::chrono::milliseconds>(s.data_timeout, std::chrono::minutes(3));
  // Nothing depends on QUIT's answer; keep a silent server from delaying a stop.
  t.quit = std::min<std::chrono::milliseconds>(s.command_timeout, std::chrono::seconds(10));
  return o;
}

asio::awaitable<Opened> open_session(DeliveryAgent::Impl& impl, const DeliverySettings& settings,
                                     std::shared_ptr<asio::ssl::context> tls, const Job& job,
                                     const Relay& relay) {
  const std::string& host = relay.host;
  const std::string& ip = relay.ip;
  Opened out;
  const DaneSeen seen = std::make_shared<std::optional<DaneSession>>();
  out.session.session = std::make_unique<smtp::ClientSession>(
      impl.strand_, client_options(settings, tls, job, host, true, seen));
  smtp::OpenOutcome o = co_await out.session.session->open(ip, relay.port);
  out.tls = o.tls;
  const bool handshake_failed = o.tls.result && !o.tls.result->handshake_ok;
  // An enforce policy never falls back to plain text (RFC 8461 §5), nor does a floor above
  // `may`, REQUIRETLS, or implicit TLS (there is no plain text on that port).
  if (!o.ok() && handshake_failed && !job.sts->decision().requires_tls() &&
      allows_plain(job.floor->demand()) && !job.route->implicit_tls && !job.dane.applies()) {
    // RFC 7435 §4.2: a failed handshake under opportunistic TLS, so the same address again
    // without STARTTLS.
    spdlog::info("delivery: {}[{}]: TLS handshake failed ({}); trying again without STARTTLS",
                 host, ip, o.tls.result->handshake_error);
    out.session.session = std::make_unique<smtp::ClientSession>(
        impl.strand_, client_options(settings, tls, job, host, false, seen));
    o = co_await out.session.session->open(ip, relay.port);
  }
  out.connected = o.greeting.has_value();
  // Past EHLO: a TLS outcome exists to judge, even "no STARTTLS" (a failure at the tls phase
  // is the handshake or the gate).
  out.reached_tls = out.tls.result.has_value() ||
                    (out.connected && (!o.failure || o.failure->phase == smtp::ClientPhase::tls));
  out.session.tls = tls_log_fields(o.tls);
  // Where DANE applies (never with the plain-text retry), the gate's judgement when it ran;
  // otherwise the first try's TLS stage judged here (without DANE only a restatement).
  out.dane = job.dane.applies() && seen->has_value() ? std::move(**seen)
                                                     : check_dane(job.dane, out.tls, host);
  out.session.tls_outcome = out.dane.outcome;
  out.session.local_address = o.local_address;
  out.session.server_name = o.capabilities.server_name;
  out.failure = o.failure;
  co_return out;
}

// Hands the TLS-RPT record of a session under the host's TLSA policy to the sink. Only for MX
// delivery: a configured next hop's TLSA records are not the recipient domain's policy, and a
// report to that domain must speak only of what it published (RFC 8460 §4.4).
void record_dane(DeliveryAgent::Impl& impl, const Job& job, const std::string& host,
                 std::optional<sts::ResultType> result, const SessionFacts* facts,
                 const std::string& reason) {
  if (impl.services_.outcomes == nullptr || !job.route->via_mx()) return;
  impl.services_.outcomes->record(dane_session_record(job.dane, job.state.job.domain, host,
                                                      result, facts, reason,
                                                      impl.clock_.now()));
}

std::string tls_phrase(const TlsLogFields& tls) {
  if (tls.version.empty()) return "plain text";
  if (tls.verdict == "verified") return "verified " + tls.version;
  return "unverified " + tls.version + " (" + tls.verdict + ")";
}

// The session's MTA-STS verdict (logged and recorded for TLS-RPT) and the route floor's. True:
// one of them abandons the host, and the pending recipients stay pending for the next host.
bool policy_abandons(Job& job, const sts::Verdict& before, const PooledSession& session,
                     const Relay& relay, core::SysTime now, const sts::Verdict& dane = {}) {
  const SessionFacts facts{relay.host, relay.ip, session.local_address, session.server_name};
  const sts::Verdict v = job.sts->session_done(before, session.tls_outcome, facts, now);
  const sts::Verdict floor = job.floor->session_done(relay.host, session.tls_outcome);
  if (dane.action == sts::Action::proceed_but_report) {
    spdlog::info("delivery: {}: {}[{}]: would defer (dane.enforcement testing): {}",
                 job.state.job.message_id, relay.host, relay.ip, dane.reason);
  }
  if (dane.action == sts::Action::abandon_host) {
    job.dane_abandoned.push_back({relay.host, dane});
    spdlog::info("delivery: {}: {}[{}]: abandoned: {}", job.state.job.message_id, relay.host,
                 relay.ip, dane.reason);
  }
  if (v.action != sts::Action::abandon_host && floor.action != sts::Action::abandon_host &&
      dane.action != sts::Action::abandon_host) {
    return false;
  }
  job.state.last_abandoned = relay;
  job.state.last_abandoned.tls = session.tls;
  if (v.action == sts::Action::abandon_host) {
    spdlog::info("delivery: {}: {}[{}]: abandoned by the MTA-STS policy of {}: {}",
                 job.state.job.message_id, relay.host, relay.ip, job.state.job.domain, v.reason);
  }
  if (floor.action == sts::Action::abandon_host) {
    spdlog::info("delivery: {}: {}[{}]: abandoned: {}", job.state.job.message_id, relay.host,
                 relay.ip, floor.reason);
  }
  return true;
}

// One new session to `relay`'s address, judged under the policy. Returns the session when it is
// ready for MAIL FROM. Otherwise every pending recipient is decided here: kept pending when the
// policy abandoned the host, given the fate of the failed step, or, in a dry run (where a
// session always ends here, after QUIT), the fate "would deliver".
asio::awaitable<std::optional<PooledSession>> open_judged(
    DeliveryAgent::Impl& impl, Job& job, const DeliverySettings& settings,
    std::shared_ptr<asio::ssl::context> tls, const sts::Verdict& before, Relay& relay,
    bool last) {
  const auto started = std::chrono::steady_clock::now();
  Opened opened = co_await open_session(impl, settings, tls, job, relay);
  impl.stages_.connect.observe(std::chrono::steady_clock::now() - started);
  relay.connected = opened.connected;
  relay.tls = opened.session.tls;
  if (job.dane.state != DaneState::off && opened.reached_tls) {
    opened.session.dane_field = dane_field(job.dane, opened.dane.match);
    opened.session.dane_passed = opened.dane.verdict.action == sts::Action::proceed;
    job.dane_log.push_back(relay.host + ":" + opened.session.dane_field);
  }
  if (job.dane.applies() && opened.reached_tls) {
    const SessionFacts facts{relay.host, relay.ip, opened.session.local_address,
                             opened.session.server_name};
    const sts::TlsOutcome raw = tls_outcome_of(opened.tls);
    record_dane(impl, job, relay.host, tlsa_result(job.dane, raw, opened.dane.match), &facts,
                opened.dane.verdict.reason.empty() ? raw.openssl_reason
                                                   : opened.dane.verdict.reason);
  }
  if (settings.dry_run && opened.session.session) co_await opened.session.session->quit();
  if (opened.reached_tls && policy_abandons(job, before, opened.session, relay,
                                            impl.clock_.now(), opened.dane.verdict)) {
    co_return std::nullopt;
  }
  if (opened.failure) {
    apply_all(job.state, open_fate(*opened.failure, relay.connected, relay.host, relay.ip,
                                   relay.port, last),
              relay);
    co_return std::nullopt;
  }
  if (settings.dry_run) {
    apply_all(job.state, {Fate::dry_run, "2.0.0",
                          "dry run: would deliver to " + relay.host + " over " +
                              tls_phrase(opened.session.tls)},
              relay);
    co_return std::nullopt;
  }
  co_return std::move(opened.session);
}

// A session done with for this job: to the pool for the next job, or QUIT.
void give_back(DeliveryAgent::Impl& impl, const Job& job, const std::string& key,
               PooledSession session, const PoolLimits& limits) {
  if (job.dane.applies() && !session.dane_passed) {
    // DANE let it through only in testing: not a session to hand to another job.
    std::vector<PooledSession> done;
    done.push_back(std::move(session));
    impl.quit_sessions(std::move(done));
    return;
  }
  impl.quit_sessions(
      impl.pool_.put(key, std::move(session), std::chrono::steady_clock::now(), limits));
}

// One address of one MX: decides what it can for the pending recipients.
asio::awaitable<void> try_address(DeliveryAgent::Impl& impl, Job& job,
                                  const DeliverySettings& settings,
                                  std::shared_ptr<asio::ssl::context> tls,
                                  const sts::Verdict& before, std::string host, std::string ip,
                                  std::uint16_t port, bool last) {
  Relay relay{host, ip, {}, false, port};
  if (settings.dry_run) {
    // delivery.dry_run (etc/stsrelay.toml): everything up to MAIL FROM on a connection of its own, then
    // QUIT; nothing is taken from or given to the pool.
    co_await open_judged(impl, job, settings, tls, before, relay, last);
    co_return;
  }

  // Sessions are shared by jobs of the same route only: a route's AUTH, source address and
  // implicit TLS belong to its sessions. Where DANE applies, only by jobs with the same TLSA
  // records for the host: the session's DANE verdict rests on them.
  std::string key = job.route_name + ":" + host + "[" + ip + "]:" + std::to_string(port);
  if (job.dane.applies()) key += "/" + dane_pool_tag(job.dane);
  const PoolLimits limits = pool_limits(settings);
  PooledSession session = impl.pool_.take(key, std::chrono::steady_clock::now(), limits);
  if (session.session) {
    // A connection opened for another job: judged again under this domain's policy.
    relay.connected = true;
    relay.tls = session.tls;
    if (job.dane.applies()) {
      // It passed DANE under the same records (nothing else is pooled under this key): the
      // same outcome for this job's log line and report.
      job.dane_log.push_back(relay.host + ":" + session.dane_field);
      const SessionFacts facts{relay.host, relay.ip, session.local_address, session.server_name};
      record_dane(impl, job, relay.host, std::nullopt, &facts, "");
    }
    if (policy_abandons(job, before, session, relay, impl.clock_.now())) {
      impl.quit_sessions(
          impl.pool_.put(key, std::move(session), std::chrono::steady_clock::now(), limits));
      co_return;
    }
  }
  const core::Envelope envelope = pending_envelope(job.state);
  bool reused = session.session != nullptr;
  std::optional<smtp::TransactionOutcome> t;
  while (!t) {
    if (!session.session) {
      std::optional<PooledSession> opened =
          co_await open_judged(impl, job, settings, tls, before, relay, last);
      if (!opened) co_return;
      session = std::move(*opened);
    }
    relay.connected = true;
    std::unique_ptr<core::ContentSource> content = transaction_content(impl, job);
    if (content == nullptr) {
      // Nothing was sent on the session: it stays good for other jobs.
      give_back(impl, job, key, std::move(session), limits);
      co_return;
    }
    const auto sending = std::chrono::steady_clock::now();
    t = co_await session.session->send(envelope, *content);
    content.reset();  // a large message's read transaction ends with the transaction
    impl.stages_.transaction.observe(std::chrono::steady_clock::now() - sending);
    if (reused && t->failure && t->failure->phase == smtp::ClientPhase::rset) {
      // The server closed the idle connection meanwhile: once, a new one to the same address.
      spdlog::debug("delivery: {}: reused connection failed at RSET; connecting again", key);
      reused = false;
      session = PooledSession{};
      t.reset();
    }
  }
  relay.tls = session.tls;
  apply(job.state, transaction_fates(*t, job.state.pending.size(), last), relay);
  give_back(impl, job, key, std::move(session), limits);
}

// ---- MTA-STS ------------------------------------------------------------------------------

std::optional<sts::LocalEnforcement> override_for(
    const std::map<std::string, sts::LocalEnforcement>& overrides, const std::string& domain) {
  if (overrides.empty()) return std::nullopt;
  // [sts.override] and [dane.override] keys are normalised (A-labels); so is the domain here
  // when it can be.
  auto normalised = core::normalize_domain(domain);
  const auto it = overrides.find(normalised ? *normalised : domain);
  if (it == overrides.end()) return std::nullopt;
  return it->second;
}

// DANE applies to MX delivery (RFC 7672 §2.2), unless dane.enforcement (or the domain's
// override) is off, the route's floor is `none`, or the message says "TLS-Required: No". To a
// next hop by name only when its route's floor asks for it (dane, dane-only): the next hop is
// the administrator's choice, and dane.enforcement speaks of recipient domains.
void choose_dane(Job& job, const DeliverySettings& settings) {
  const queue::DeliveryJob& q = job.state.job;
  const sts::LocalEnforcement local =
      override_for(settings.dane_overrides, q.domain).value_or(settings.dane_enforcement);
  // A route whose floor is dane or dane-only asks for DANE itself, whatever dane.enforcement.
  const bool asked = job.route->tls == TlsFloor::dane || job.route->tls == TlsFloor::dane_only;
  const bool wanted = job.route->via_mx() ? local != sts::LocalEnforcement::off || asked : asked;
  job.dane_enabled = wanted && job.route->tls != TlsFloor::none && !q.envelope.tls_optional;
  job.dane_testing = local == sts::LocalEnforcement::testing && !asked;
}

// The policy that applies to this attempt (RFC 8461 §5.1), or to the look-again before a
// bounce (`refresh`).
// A message marked tls_optional (a TLS-RPT report, RFC 8460 §5.3: reports are delivered despite
// TLS failures, so they reach a domain whose TLS is broken) goes out without the policy, and its sessions are not recorded.
// MTA-STS applies to MX delivery only (RFC 8461 §4.1 judges MX hosts): a route to a next hop of
// its own, or with floor `none`, is the administrator's explicit choice for that destination.
asio::awaitable<std::unique_ptr<StsAttempt>> policy_for(DeliveryAgent::Impl& impl,
                                                        const DeliverySettings& settings,
                                                        const queue::DeliveryJob& job,
                                                        const Route& route, bool refresh) {
  const std::string& domain = job.domain;
  const std::optional<sts::LocalEnforcement> local_override =
      override_for(settings.sts_overrides, domain);
  sts::LocalEnforcement local = local_override.value_or(settings.sts_enforcement);
  if (job.envelope.tls_optional || !route.via_mx() || route.tls == TlsFloor::none) {
    local = sts::LocalEnforcement::off;
  }
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

// Every host of the route in order (the MX hosts, or the configured next hops), each address of
// each, while recipients are pending.
asio::awaitable<void> try_route(DeliveryAgent::Impl& impl, Job& job,
                                const DeliverySettings& settings,
                                std::shared_ptr<asio::ssl::context> tls,
                                const net::DeliveryRoute& route) {
  for (std::size_t t = 0;
       t < route.targets.size() && !job.state.pending.empty() && !job.content_gone; ++t) {
    const net::DeliveryTarget& target = route.targets[t];
    // §4.1: an MX the policy does not list is not connected to under enforce.
    const sts::Verdict before = job.sts->before_connect(target.host, impl.clock_.now());
    if (before.action == sts::Action::abandon_host) {
      job.state.last_abandoned = Relay{target.host, "", {}, false, 0};
      continue;
    }
    if (job.floor->demand().requiretls && job.sts->applies() && before.result) {
      // RFC 8689 §4.2.1: REQUIRETLS mail goes only to an MX the policy names, even when the
      // policy is only testing.
      job.floor->note_refused(target.host, "not listed in the MTA-STS policy of " +
                                               job.state.job.domain);
      job.state.last_abandoned = Relay{target.host, "", {}, false, 0};
      continue;
    }
    const std::uint16_t port = target.port != 0 ? target.port : settings.smtp_port;
    job.dane = DaneHost{};
    if (job.dane_enabled) {
      // RFC 7672 §2.2: TLSA records are asked for only under a secure MX RRset and secure
      // addresses of the host. A next hop by name comes from the configuration, not from DNS:
      // like Postfix's [host] next hop, only its addresses need to be secure.
      const bool names_secure = job.route->via_mx() ? route.mx_secure : true;
      TlsaLookup tlsa;
      if (names_secure && target.addresses_secure) {
        // MX hosts publish at _25._tcp (RFC 7672 §2.2), whatever port delivery uses here.
        tlsa = co_await lookup_tlsa(impl.resolver_, target, job.route->via_mx() ? 25 : port);
      }
      job.dane = dane_for_host(true, job.dane_testing, names_secure, target.addresses_secure,
                               tlsa.result);
      job.dane.base_domain = tlsa.base_domain.empty() ? target.host : tlsa.base_domain;
      const sts::Verdict dane = dane_before_connect(job.dane);
      if (dane.action != sts::Action::proceed) {
        job.dane_log.push_back(target.host + ":" + job.dane.state_field());
        spdlog::info("delivery: {}: {}: {}{}", job.state.job.message_id, target.host,
                     dane.action == sts::Action::abandon_host ? "" : "would defer: ",
                     dane.reason);
      }
      if (job.dane.state == DaneState::bogus) {
        record_dane(impl, job, target.host, sts::ResultType::dnssec_invalid, nullptr,
                    job.dane.reason);
      }
      if (dane.action == sts::Action::abandon_host) {
        job.dane_abandoned.push_back({target.host, dane});
        job.state.last_abandoned = Relay{target.host, "", {}, false, 0};
        continue;
      }
    }
    job.floor->set_dane_applies(job.dane.applies());
    if (job.route->tls == TlsFloor::dane_only && !job.dane.applies()) {
      // No usable TLSA policy for this host: no connection can meet the floor. RFC 8460 §4.3
      // names the result: dane-required.
      if (job.route->via_mx() && impl.services_.outcomes != nullptr) {
        impl.services_.outcomes->record(
            dane_required_record(job.state.job.domain, target.host, impl.clock_.now()));
      }
      job.floor->note_refused(target.host, "no DNSSEC-secure TLSA records (" +
                                               (job.dane.state_field().empty()
                                                    ? std::string("DANE off")
                                                    : job.dane.state_field()) +
                                               ")");
      job.state.last_abandoned = Relay{target.host, "", {}, false, 0};
      continue;
    }
    for (std::size_t a = 0;
         a < target.addresses.size() && !job.state.pending.empty() && !job.content_gone; ++a) {
      const bool last = t + 1 == route.targets.size() && a + 1 == target.addresses.size();
      co_await try_address(impl, job, settings, tls, before, target.host,
                           target.addresses[a].to_string(), port, last);
    }
  }
}

// The hosts of the job's route: the domain's MX records, or the configured next hops.
asio::awaitable<net::DeliveryRoute> route_targets(DeliveryAgent::Impl& impl, const Job& job) {
  if (job.route->via_mx()) {
    co_return co_await net::resolve_delivery_targets(impl.resolver_, job.state.job.domain);
  }
  std::vector<net::NextHopName> hops;
  for (const NextHop& hop : job.route->next_hops) {
    hops.push_back({hop.host, hop.port, hop.kind == NextHop::Kind::address});
  }
  co_return co_await net::resolve_next_hops(impl.resolver_, std::move(hops));
}

// GCC 12: a plain function builds the lambda, not the coroutines.
std::function<const std::string*()> content_reader(DeliveryAgent::Impl& impl, Job& job) {
  return [&impl, &job] { return bounce_content(impl, job); };
}

std::string join_log(const std::vector<std::string>& items) {
  std::string out;
  for (const std::string& item : items) out += (out.empty() ? "" : ",") + item;
  return out;
}

// The job's route and what it demands of TLS.
void choose_route(Job& job, const DeliverySettings& settings) {
  JobRoute r = route_for_job(settings.routes, job.state.job);
  job.route = r.route;
  job.route_name = std::move(r.name);
  job.floor = std::make_unique<FloorAttempt>(std::move(r.demand));
}

void flush_records(DeliveryAgent::Impl& impl, StsAttempt& sts) {
  std::vector<tlsrpt::SessionRecord> records = sts.take_records();
  if (impl.services_.outcomes == nullptr) return;
  for (tlsrpt::SessionRecord& r : records) impl.services_.outcomes->record(std::move(r));
}

// Reports the job, unless its message went away meanwhile: then, as if the job had not run, its
// recipients are released (they were deleted with it).
asio::awaitable<void> finish_job(DeliveryAgent::Impl& impl, Job& j,
                                 const DeliverySettings& settings) {
  if (!j.content_gone) {
    co_await report_job(impl, j.state, *j.sts, *j.floor, join_log(j.dane_log),
                        content_reader(impl, j), settings);
  }
  if (j.content_gone) impl.store_.release(recipient_ids(j.state.job));
}

}  // namespace

asio::awaitable<void> run_job(std::shared_ptr<DeliveryAgent::Impl> self, queue::DeliveryJob job,
                              std::function<void()> destination_done) {
  const DeliverySettings settings = self->settings_;
  const std::shared_ptr<asio::ssl::context> tls = self->tls_;
  const auto started = std::chrono::steady_clock::now();
  Job j;
  j.state = start_job(std::move(job));
  const queue::DeliveryJob& q = j.state.job;

  choose_route(j, settings);
  choose_dane(j, settings);
  j.sts = co_await policy_for(*self, settings, q, *j.route, false);
  const net::DeliveryRoute route = co_await route_targets(*self, j);
  self->stages_.plan.observe(std::chrono::steady_clock::now() - started);
  const sts::PolicyLookup& lookup = j.sts->lookup();
  const bool policy_unknown = j.sts->applies() && !lookup.has_policy() &&
                              (lookup.reason == "txt-failed" || lookup.fetch_failure);
  // DNSSEC-secure MX records authenticate the host names as an MTA-STS policy does (RFC 8689
  // §4.2.1), so the question is asked once the route is known.
  const std::optional<RequireTlsRefusal> refused =
      requiretls_refusal(j.floor->demand(), j.route->via_mx(), j.sts->decision().level(),
                         policy_unknown || (!route.ok() && !route.failure->permanent),
                         route.ok() && route.mx_secure);
  if (refused) {
    // RFC 8689 §4.2.1: no hop of this route can be authenticated, so none may get the message:
    // it bounces, or waits while the domain's policy is not known.
    RecipientFate fate{Fate::bounced, "5.7.30", "550 5.7.30 " + refused->reason};
    if (!refused->permanent) fate = {Fate::deferred, "4.7.30", "451 4.7.30 " + refused->reason};
    if (settings.dry_run) {
      fate = {Fate::dry_run, fate.dsn,
              std::string(refused->permanent ? "dry run: would bounce: "
                                             : "dry run: would defer: ") + fate.reply};
    }
    apply_all(j.state, fate, Relay{});
    destination_done();
    co_await finish_job(*self, j, settings);
    self->stages_.job.observe(std::chrono::steady_clock::now() - started);
    co_return;
  }
  if (!route.ok()) {
    const net::RouteFailure& f = *route.failure;
    Failure failure{Stage::dns, 0, f.dsn, f.text};
    if (f.permanent) failure.reply_code = 550;
    apply_all(j.state, fate_of(failure, true), Relay{});
  } else {
    co_await try_route(*self, j, settings, tls, route);
    if (!j.state.pending.empty() && j.sts->any_abandoned() &&
        would_bounce(j.state, settings.max_lifetime, self->clock_.now())) {
      // RFC 8461 §5.1: before a message bounces because of the policy, look it up again; a
      // changed policy (a new id, or no longer enforce) gets one more pass over the route.
      std::unique_ptr<StsAttempt> again =
          co_await policy_for(*self, settings, q, *j.route, true);
      if (policy_changed(*j.sts, *again)) {
        spdlog::info("delivery: {}: the MTA-STS policy of {} changed before the bounce; trying "
                     "again under it",
                     q.message_id, q.domain);
        flush_records(*self, *j.sts);
        j.sts = std::move(again);
        co_await try_route(*self, j, settings, tls, route);
      }
    }
    // REQUIRETLS mail that no host could take bounces (5.7.30); otherwise the policy's reply,
    // else the floor's, defers what is left.
    std::optional<sts::DeferReply> reply = j.sts->defer_reply();
    if (!reply || j.floor->demand().requiretls) {
      if (auto floor_reply = j.floor->reply()) reply = floor_reply;
    }
    if (!reply && !j.dane_abandoned.empty()) reply = dane_defer_reply(j.dane_abandoned);
    settle_abandoned(j.state, reply, settings.dry_run);
  }
  destination_done();
  co_await finish_job(*self, j, settings);
  flush_records(*self, *j.sts);
  self->stages_.job.observe(std::chrono::steady_clock::now() - started);
}

}  // namespace stsrelay::delivery
