// TLS-RPT reports (RFC 8460) from the recorded counters to their destinations, shared by the
// daemon's daily run and `stsrelay report send`:
//
//   build_day(day)  for each policy domain with sessions that day: `_smtp._tls.<domain>` (§3),
//                   the report JSON (§4.4) stored with one delivery per rua URI (tlsrpt.db, or
//                   in a fleet the shared database); a domain without a valid record gets no
//                   report. In a fleet a report is built once (report_steps.hpp): the node
//                   holding its lease continues a stored report instead of building another.
//   send_due()      every delivery that is due: `mailto:` as a DKIM-signed multipart/report
//                   message queued into stsrelay's own queue (§5.3), marked tls_optional so that
//                   it reaches a domain whose TLS is broken and is not counted itself (§5.3:
//                   "MUST deliver reports despite any TLS-related failures");
//                   `https:` as a POST of application/tlsrpt+gzip, 200 or 201 being success
//                   (§5.4). Failures are retried by the report store's schedule for 24 h (§5.5).
//
// Every call to the report storage, the counters and the leases (in a fleet: the shared
// database, each a bounded wait) runs on the service's own blocking thread, awaited, so that a
// slow database holds no Asio thread that serves SMTP (net/blocking_thread.hpp).
#pragma once

#include <chrono>
#include <cstddef>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <boost/asio/awaitable.hpp>

#include "src/app/reports/report_steps.hpp"
#include "src/core/clock.hpp"
#include "src/core/result.hpp"
#include "src/net/blocking_thread.hpp"
#include "tlsrpt/report_storage.hpp"
#include "tlsrpt/report_day.hpp"
#include "tlsrpt/report_json.hpp"
#include "tlsrpt/report_mail.hpp"

namespace stsrelay::net {
class Resolver;
class HttpsFetcher;
}  // namespace stsrelay::net
namespace stsrelay::queue { class Store; }
namespace stsrelay::tlsrpt {
class CounterReader;
class ReportLeases;
class ReportStorage;
class Recorder;
}  // namespace stsrelay::tlsrpt

namespace stsrelay::app {

struct ReportSettings {
  tlsrpt::ReportMeta meta;      // organization-name, contact-info, submitter
  std::string dkim_selector;    // tlsrpt.dkim_selector
  std::string dkim_key_file;    // tlsrpt.dkim_key_file; mail reports need it (§5.3) ...
  // ... or, without it, a [[dkim.sign]] key of the submitter domain: the keys in force when a
  // report is sent (they change on SIGHUP). May return null.
  std::function<std::shared_ptr<const dkim::SigningKeys>()> signing_keys;
  std::chrono::milliseconds post_timeout{60'000};
};

struct ReportDeps {
  net::Resolver& dns;
  net::HttpsFetcher& https;
  queue::Store& queue;
  tlsrpt::CounterReader& counters;  // tlsrpt.db, or the shared database of a fleet
  tlsrpt::ReportStorage& reports;  // tlsrpt.db, or the shared database of a fleet
  tlsrpt::Recorder* recorder;  // flushed before a day is read; may be null (the CLI)
  const core::Clock& clock;
  // A fleet: the lease that makes one node build and send (day, domain)'s report, and lets
  // another take it over when that node dies (tlsrpt/report_lease.hpp). Null: this node alone.
  tlsrpt::ReportLeases* leases = nullptr;
};

struct BuildOutcome {
  std::string domain;
  std::string report_id;          // empty: no report (see note)
  std::vector<std::string> rua;   // the destinations it was given
  std::string note;               // why not, or what else the record said
  // Another node holds the report's lease until then: try again after it (a handover).
  std::optional<core::SysTime> held_until;
};

struct SendOutcome {
  std::string report_id;
  std::string uri;
  bool ok = false;
  std::string detail;  // the queue id, the HTTP status, or the error
};

class ReportService {
 public:
  ReportService(ReportDeps deps, ReportSettings settings);

  // `only_domain`: just that policy domain. `again`: also domains whose report was built
  // before (the same report-id; every destination starts over).
  boost::asio::awaitable<std::vector<BuildOutcome>> build_day(tlsrpt::Day day,
                                                              std::optional<std::string> only_domain,
                                                              bool again);
  // Sends up to `limit` due deliveries.
  boost::asio::awaitable<std::vector<SendOutcome>> send_due(std::size_t limit = 100);
  // When a delivery is next due here (for the daemon's timer).
  boost::asio::awaitable<core::Result<std::optional<core::SysTime>>> next_due();
  // Deletes reports and counters from before `cutoff`; false (logged) when either failed.
  boost::asio::awaitable<bool> prune(core::SysTime cutoff);

 private:
  // `fn(args...)` on the blocking thread, awaited. Not a coroutine: the lambda that owns the
  // arguments is made here, never in a coroutine body (await_callback.hpp says why).
  template <class T, class... A>
  boost::asio::awaitable<T> blocking(T (ReportService::*fn)(A...), std::decay_t<A>... args) {
    return net::await_on_thread<T>(
        blocking_, [this, fn, args...]() mutable { return (this->*fn)(args...); });
  }

  // The storage's and the leases' part of building (day, domain)'s report, before the DNS
  // lookup: skip it, or the outcome is final (held elsewhere, sent, continued), or build it.
  struct Prepared {
    enum class Next { skip, finished, build } next = Next::skip;
    BuildOutcome outcome;
  };
  core::Result<std::vector<std::string>> load_domains(tlsrpt::Day day);
  Prepared prepare(tlsrpt::Day day, const std::string& domain, bool again);
  // Builds the report from the counts, stores it with its destinations `rua`.
  BuildOutcome build_and_store(tlsrpt::Day day, BuildOutcome outcome,
                               const std::vector<std::string>& rua, bool ignored_others);
  core::Result<std::vector<tlsrpt::DueDelivery>> load_due(std::size_t limit);
  // Records the attempt's outcome, with the retry, the lease's hold and its end.
  bool record_outcome(const tlsrpt::DueDelivery& due, const SendOutcome& sent);
  core::Result<std::optional<core::SysTime>> load_next_due();
  bool prune_before(core::SysTime cutoff);

  // What the storage holds of (day, domain)'s report.
  struct StoredLook {
    StoredState state = StoredState::none;
    std::optional<tlsrpt::StoredReport> report;
    std::vector<tlsrpt::ReportDelivery> deliveries;
  };
  core::Result<StoredLook> look_up_stored(tlsrpt::Day day, const std::string& domain);
  // A fleet: takes (day, domain)'s lease and reads `look` again under it. nullopt when this
  // node holds the lease; else `outcome` as it goes back (held or sent elsewhere, or failed for
  // now).
  std::optional<BuildOutcome> take_lease(tlsrpt::Day day, BuildOutcome& outcome,
                                         StoredLook& look);
  // The lease's holder goes on with the stored report: its deliveries are sent by send_due().
  BuildOutcome continue_stored(tlsrpt::Day day, const StoredLook& look, bool again,
                               BuildOutcome outcome);
  // The outcome of a step that failed for now (`what`: the error): tried again in a minute.
  BuildOutcome retry_soon(BuildOutcome outcome, tlsrpt::Day day, const std::string& what);
  // A fleet: the lease says built (and is renewed).
  void mark_built(tlsrpt::Day day, const std::string& domain);
  core::Result<std::string> signed_report_mail(const tlsrpt::ReportMail& mail) const;
  boost::asio::awaitable<SendOutcome> send_mail(const std::string& id, const std::string& uri,
                                                const std::string& domain, tlsrpt::Day day,
                                                const std::string& gzipped);
  // A fleet: still this node's report to send (taking its lease over when its holder died)?
  bool still_ours(const tlsrpt::DueDelivery& due);
  void mark_finished(const tlsrpt::StoredReport& report);
  // A fleet: the lease lasts until a failed delivery's retry, so no node takes it over before.
  void hold_for_retry(const tlsrpt::StoredReport& report, core::SysTime retry_at);
  boost::asio::awaitable<SendOutcome> post(const std::string& id, const std::string& uri,
                                           const std::string& gzipped);

  ReportDeps deps_;
  ReportSettings settings_;
  net::BlockingThread blocking_;  // last: joined first, while what its jobs use still exists
};

}  // namespace stsrelay::app
