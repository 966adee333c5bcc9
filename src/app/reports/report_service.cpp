#include "src/app/reports/report_service.hpp"

#include <boost/asio/use_awaitable.hpp>
#include <spdlog/spdlog.h>

#include <cstdio>
#include <memory>
#include <random>
#include <utility>
#include <variant>

#include "queue/store.hpp"
#include "src/app/reports/report_steps.hpp"
#include "src/core/result.hpp"
#include "src/net/await_callback.hpp"
#include "src/net/dns_resolver.hpp"
#include "src/net/https_fetcher.hpp"
#include "tlsrpt/counter_store.hpp"
#include "src/dkim/key_file.hpp"
#include "tlsrpt/gzip.hpp"
#include "tlsrpt/recorder.hpp"
#include "tlsrpt/report_build.hpp"
#include "tlsrpt/report_mail.hpp"
#include "tlsrpt/report_lease.hpp"
#include "tlsrpt/report_naming.hpp"
#include "tlsrpt/report_storage.hpp"
#include "tlsrpt/rua_record.hpp"

namespace stsrelay::app {
namespace asio = boost::asio;
namespace {

std::string random_hex(std::size_t bytes) {
  static thread_local std::mt19937_64 rng{std::random_device{}()};
  std::string out;
  char buf[3];
  for (std::size_t i = 0; i < bytes; ++i) {
    std::snprintf(buf, sizeof buf, "%02x", static_cast<unsigned>(rng() & 0xff));
    out += buf;
  }
  return out;
}

bool is_mailto(const std::string& uri) {
  return uri.size() > 7 && (uri.compare(0, 7, "mailto:") == 0 || uri.compare(0, 7, "MAILTO:") == 0);
}

}  // namespace

ReportService::ReportService(ReportDeps deps, ReportSettings settings)
    : deps_(deps), settings_(std::move(settings)) {}

asio::awaitable<std::vector<BuildOutcome>> ReportService::build_day(
    tlsrpt::Day day, std::optional<std::string> only_domain, bool again) {
  std::vector<BuildOutcome> out;
  if (deps_.recorder != nullptr) {
    if (auto flushed = deps_.recorder->flush(); !flushed) {
      spdlog::warn("tlsrpt: writing recent outcomes before the report failed: {}",
                   flushed.error().message);
    }
  }
  auto domains = co_await blocking(&ReportService::load_domains, day);
  if (!domains) {
    spdlog::error("tlsrpt: reading the counters of {} failed: {}", tlsrpt::format_day(day),
                  domains.error().message);
    co_return out;
  }
  for (const std::string& domain : *domains) {
    if (only_domain && *only_domain != domain) continue;
    Prepared prepared = co_await blocking(&ReportService::prepare, day, domain, again);
    if (prepared.next == Prepared::Next::skip) continue;
    BuildOutcome outcome = std::move(prepared.outcome);
    if (prepared.next == Prepared::Next::finished) {
      out.push_back(std::move(outcome));
      continue;
    }
    // §3: the policy domain's own record; no record, no report.
    const net::DnsResult<net::TxtRecord> txt = co_await net::await_call(
        deps_.dns, &net::Resolver::resolve_txt, "_smtp._tls." + domain);
    if (txt.status != net::DnsStatus::answer && txt.status != net::DnsStatus::nxdomain &&
        txt.status != net::DnsStatus::nodata) {
      outcome.note = "_smtp._tls lookup failed: " + txt.reason + "; tried again at the next run";
      spdlog::warn("tlsrpt: {} {}: {}", tlsrpt::format_day(day), domain, outcome.note);
      out.push_back(std::move(outcome));
      continue;
    }
    std::vector<sts::TxtRecord> records;
    for (const auto& r : txt.records) records.push_back(r);
    const tlsrpt::RuaParseResult parsed = tlsrpt::parse_rua_records(records);
    const auto* ok = std::get_if<tlsrpt::RuaOk>(&parsed);
    if (ok == nullptr) {
      outcome.note = "no report: " + tlsrpt::describe(parsed);
      spdlog::info("tlsrpt: {} {}: {}", tlsrpt::format_day(day), domain, outcome.note);
      out.push_back(std::move(outcome));
      continue;
    }
    out.push_back(co_await blocking(&ReportService::build_and_store, day, std::move(outcome),
                                    ok->rua, !ok->ignored.empty()));
  }
  co_return out;
}

core::Result<std::vector<std::string>> ReportService::load_domains(tlsrpt::Day day) {
  return deps_.counters.domains(day);
}

ReportService::Prepared ReportService::prepare(tlsrpt::Day day, const std::string& domain,
                                               bool again) {
  const bool fleet = deps_.leases != nullptr;
  Prepared prepared;
  prepared.outcome.domain = domain;
  auto stored = look_up_stored(day, domain);
  if (!stored && fleet) {
    prepared.outcome = retry_soon(std::move(prepared.outcome), day,
                                  "reading the stored report failed: " + stored.error().message);
    prepared.next = Prepared::Next::finished;
    return prepared;
  }
  // Alone, a store that cannot be read is left to the writes that build the report to report.
  StoredLook look = stored ? std::move(*stored) : StoredLook{};
  if (!wants_report(fleet, again, look.state)) return prepared;  // built by an earlier run
  if (fleet) {
    // In a fleet even `report send` (again) asks: a report another node holds or sent is that
    // node's, or the organisation would send two.
    if (auto not_ours = take_lease(day, prepared.outcome, look)) {
      prepared.outcome = std::move(*not_ours);
      prepared.next = Prepared::Next::finished;
      return prepared;
    }
  }
  if (build_step(fleet, look.state) == BuildStep::continue_stored) {
    prepared.outcome = continue_stored(day, look, again, std::move(prepared.outcome));
    prepared.next = Prepared::Next::finished;
    return prepared;
  }
  prepared.next = Prepared::Next::build;
  return prepared;
}

BuildOutcome ReportService::build_and_store(tlsrpt::Day day, BuildOutcome outcome,
                                            const std::vector<std::string>& rua,
                                            bool ignored_others) {
  const std::string& domain = outcome.domain;
  auto data = deps_.counters.load(day, domain);
  if (!data) {
    outcome.note = "reading the counters failed: " + data.error().message;
    return outcome;
  }
  const tlsrpt::BuiltReport built = tlsrpt::build_report(settings_.meta, *data,
                                                         deps_.clock.now());
  if (auto stored = deps_.reports.store_report(built.stored); !stored) {
    outcome.note = "storing the report failed: " + stored.error().message;
    return outcome;
  }
  if (auto added = deps_.reports.add_destinations(built.stored.id, rua, deps_.clock.now());
      !added) {
    outcome.note = "storing its destinations failed: " + added.error().message;
    return outcome;
  }
  mark_built(day, domain);
  outcome.report_id = built.stored.id;
  outcome.rua = rua;
  if (ignored_others) {
    outcome.note += std::string(outcome.note.empty() ? "" : "; ") + "ignored URIs of other schemes";
  }
  spdlog::info("tlsrpt: report {} for {} on {} built for {} destination(s)", built.stored.id,
               domain, tlsrpt::format_day(day), rua.size());
  return outcome;
}

asio::awaitable<std::vector<SendOutcome>> ReportService::send_due(std::size_t limit) {
  std::vector<SendOutcome> out;
  auto due = co_await blocking(&ReportService::load_due, limit);
  if (!due) {
    spdlog::error("tlsrpt: reading due report deliveries failed: {}", due.error().message);
    co_return out;
  }
  for (const tlsrpt::DueDelivery& d : *due) {
    const std::string& id = d.report.id;
    const std::string& uri = d.delivery.uri;
    SendOutcome sent;
    if (!co_await blocking(&ReportService::still_ours, d)) continue;
    auto gz = tlsrpt::gzip_compress(d.report.json);
    if (!gz) {
      sent = SendOutcome{id, uri, false, "gzip: " + gz.error().message};
    } else if (is_mailto(uri)) {
      sent = co_await send_mail(id, uri, d.report.policy_domain, d.report.day, *gz);
    } else {
      sent = co_await post(id, uri, *gz);
    }
    co_await blocking(&ReportService::record_outcome, d, sent);
    out.push_back(std::move(sent));
  }
  co_return out;
}

core::Result<std::vector<tlsrpt::DueDelivery>> ReportService::load_due(std::size_t limit) {
  return deps_.reports.due_deliveries(deps_.clock.now(), limit);
}

bool ReportService::record_outcome(const tlsrpt::DueDelivery& d, const SendOutcome& sent) {
  const std::string& id = d.report.id;
  const std::string& uri = d.delivery.uri;
  const core::SysTime now = deps_.clock.now();
  auto recorded = sent.ok ? deps_.reports.record_sent(id, uri, now)
                          : deps_.reports.record_failed(id, uri, sent.detail, now);
  if (!recorded) {
    spdlog::error("tlsrpt: recording the delivery of {} to {} failed: {}", id, uri,
                  recorded.error().message);
    return false;
  }
  if (sent.ok) {
    spdlog::info("tlsrpt: report {} sent to {}: {}", id, uri, sent.detail);
  } else if (recorded->state == tlsrpt::DeliveryState::failed) {
    spdlog::error("tlsrpt: report {} to {} given up after {} attempts: {}", id, uri,
                  recorded->attempts, sent.detail);
  } else {
    spdlog::warn("tlsrpt: report {} to {} failed ({}); next attempt at {}", id, uri, sent.detail,
                 tlsrpt::format_rfc3339(recorded->next_attempt_at));
    hold_for_retry(d.report, recorded->next_attempt_at);
  }
  if (recorded->state != tlsrpt::DeliveryState::pending) mark_finished(d.report);
  return true;
}

asio::awaitable<core::Result<std::optional<core::SysTime>>> ReportService::next_due() {
  return blocking(&ReportService::load_next_due);
}

core::Result<std::optional<core::SysTime>> ReportService::load_next_due() {
  return deps_.reports.next_due();
}

asio::awaitable<bool> ReportService::prune(core::SysTime cutoff) {
  return blocking(&ReportService::prune_before, cutoff);
}

bool ReportService::prune_before(core::SysTime cutoff) {
  auto reports = deps_.reports.prune_reports(cutoff);
  auto counters = deps_.counters.prune_before(tlsrpt::utc_day(cutoff));
  if (!reports || !counters) {
    spdlog::warn("tlsrpt: pruning past tlsrpt.retention failed: {}",
                 !reports ? reports.error().message : counters.error().message);
    return false;
  }
  return true;
}

// §5.3: report mail MUST be DKIM-signed; unsigned mail would be discarded by the receiver.
// tlsrpt.dkim_key_file wins; without it, the [[dkim.sign]] keys of the submitter domain sign.
core::Result<std::string> ReportService::signed_report_mail(const tlsrpt::ReportMail& mail) const {
  if (!settings_.dkim_key_file.empty()) {
    auto key = dkim::load_dkim_key(settings_.dkim_key_file);
    if (!key) return key.error();
    return tlsrpt::build_report_mail(mail, *key, settings_.dkim_selector);
  }
  auto keys = settings_.signing_keys ? settings_.signing_keys() : nullptr;
  return tlsrpt::build_report_mail(mail, keys ? *keys : dkim::SigningKeys{});
}

asio::awaitable<SendOutcome> ReportService::send_mail(const std::string& id,
                                                      const std::string& uri,
                                                      const std::string& domain, tlsrpt::Day day,
                                                      const std::string& gzipped) {
  SendOutcome out{id, uri, false, ""};
  auto to = tlsrpt::mailto_recipient(uri);
  if (!to) {
    out.detail = to.error().message;
    co_return out;
  }
  const std::string& submitter = settings_.meta.submitter;
  tlsrpt::ReportMail mail;
  mail.policy_domain = domain;
  mail.submitter = submitter;
  mail.report_id = id;
  mail.range_begin = tlsrpt::day_begin(day);
  mail.range_end = tlsrpt::day_end(day);
  mail.filename = tlsrpt::report_filename(day, domain, submitter);
  mail.gzipped_report = gzipped;
  mail.from = "tlsrpt-noreply@" + submitter;
  mail.to = *to;
  mail.date = deps_.clock.now();
  mail.message_id = random_hex(12) + "." + tlsrpt::format_day(day) + "@" + submitter;
  auto message = signed_report_mail(mail);
  if (!message) {
    out.detail = message.error().message;
    co_return out;
  }
  core::Envelope envelope;
  envelope.sender = mail.from;
  envelope.recipients.push_back(core::EnvelopeRecipient{*to, 0, ""});
  envelope.client_address = "127.0.0.1";
  envelope.client_helo = "tlsrpt";
  envelope.tls_optional = true;
  auto queued = co_await net::await_call(deps_.queue, &queue::Store::enqueue, std::move(envelope),
                                         std::move(*message));
  if (!queued) {
    out.detail = "queueing the report mail failed: " + queued.error().message;
    co_return out;
  }
  out.ok = true;
  out.detail = "queued as " + *queued;
  co_return out;
}

asio::awaitable<SendOutcome> ReportService::post(const std::string& id, const std::string& uri,
                                                 const std::string& gzipped) {
  SendOutcome out{id, uri, false, ""};
  net::HttpsRequest request;
  request.method = net::HttpMethod::post;
  request.url = uri;
  request.content_type = "application/tlsrpt+gzip";
  request.body = gzipped;
  request.timeout = settings_.post_timeout;
  const net::HttpsResult result =
      co_await net::await_call(deps_.https, &net::HttpsFetcher::fetch, std::move(request));
  if (!result.ok()) {
    out.detail = std::string(net::to_string(result.error().kind)) + ": " + result.error().reason;
    co_return out;
  }
  const int status = result.value().status;
  // §5.4: 200 or 201; a redirect is not followed.
  out.ok = status == 200 || status == 201;
  out.detail = "HTTP " + std::to_string(status) + " from " + result.value().peer;
  co_return out;
}

}  // namespace stsrelay::app
