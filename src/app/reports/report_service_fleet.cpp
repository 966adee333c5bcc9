// The part of a report run that a fleet adds (report_service.hpp): the lease of each report
// (report_lease.hpp), taken before building and renewed before each send, and the stored report
// a lease holder continues instead of building another (report_steps.hpp). A node alone has no
// leases; these then let everything through.
#include "src/app/reports/report_service.hpp"

#include <spdlog/spdlog.h>

#include <utility>

#include "src/app/reports/report_steps.hpp"
#include "tlsrpt/report_lease.hpp"
#include "tlsrpt/report_storage.hpp"

namespace stsrelay::app {

std::optional<BuildOutcome> ReportService::take_lease(tlsrpt::Day day, BuildOutcome& outcome,
                                                      StoredLook& look) {
  const std::string& domain = outcome.domain;
  auto grant = deps_.leases->take(day, domain);
  if (!grant) {
    return retry_soon(std::move(outcome), day,
                      "taking the report's lease failed: " + grant.error().message);
  }
  if (!tlsrpt::holds(grant->action)) {
    if (grant->action == tlsrpt::LeaseAction::done) {
      outcome.note = "sent by node " + grant->lease.node;
    } else {
      outcome.note = "held by node " + grant->lease.node + " (" +
                     std::string(tlsrpt::to_string(grant->lease.state)) + ") until " +
                     tlsrpt::format_rfc3339(grant->lease.until) +
                     "; taken over if it has not finished by then";
      outcome.held_until = grant->lease.until;
    }
    spdlog::info("tlsrpt: {} {}: {}", tlsrpt::format_day(day), domain, outcome.note);
    return std::move(outcome);
  }
  if (grant->action == tlsrpt::LeaseAction::take_over) {
    spdlog::warn("tlsrpt: {} {}: taking the report over from a node whose lease ran out",
                 tlsrpt::format_day(day), domain);
    outcome.note = "taken over from another node";
  }
  // Read again under the lease: the node it was taken from may have got further.
  auto now_stored = look_up_stored(day, domain);
  if (!now_stored) {
    return retry_soon(std::move(outcome), day,
                      "reading the stored report failed: " + now_stored.error().message);
  }
  look = std::move(*now_stored);
  return std::nullopt;
}

core::Result<ReportService::StoredLook> ReportService::look_up_stored(tlsrpt::Day day,
                                                                    const std::string& domain) {
  auto found = deps_.reports.find_report(day, domain);
  if (!found) return found.error();
  StoredLook look;
  if (!*found) return look;
  auto deliveries = deps_.reports.deliveries((*found)->id);
  if (!deliveries) return deliveries.error();
  look.report = std::move(**found);
  look.deliveries = std::move(*deliveries);
  look.state = look.deliveries.empty() ? StoredState::unfinished : StoredState::built;
  return look;
}

BuildOutcome ReportService::continue_stored(tlsrpt::Day day, const StoredLook& look, bool again,
                                            BuildOutcome outcome) {
  mark_built(day, outcome.domain);
  outcome.report_id = look.report->id;
  std::size_t pending = 0;
  for (const tlsrpt::ReportDelivery& d : look.deliveries) {
    outcome.rua.push_back(d.uri);
    if (d.state == tlsrpt::DeliveryState::pending) ++pending;
  }
  const auto restart = destinations_to_restart(look.deliveries, again);
  if (!restart.empty()) {
    auto added = deps_.reports.add_destinations(outcome.report_id, restart, deps_.clock.now());
    if (!added) {
      outcome.note += std::string(outcome.note.empty() ? "" : "; ") +
                      "making its destinations due now failed: " + added.error().message;
    } else {
      pending = restart.size();
    }
  }
  // Every destination already final: the lease says so now if a run before could not.
  if (pending == 0) mark_finished(*look.report);
  outcome.note += std::string(outcome.note.empty() ? "" : "; ") + "the stored report goes on, " +
                  std::to_string(pending) + " delivery(ies) pending";
  spdlog::info("tlsrpt: report {} for {} on {}: {}", outcome.report_id, outcome.domain,
               tlsrpt::format_day(day), outcome.note);
  return outcome;
}

BuildOutcome ReportService::retry_soon(BuildOutcome outcome, tlsrpt::Day day,
                                       const std::string& what) {
  outcome.note = what + "; tried again in a minute";
  outcome.held_until = deps_.clock.now() + std::chrono::minutes(1);
  spdlog::warn("tlsrpt: {} {}: {}", tlsrpt::format_day(day), outcome.domain, outcome.note);
  return outcome;
}

void ReportService::mark_built(tlsrpt::Day day, const std::string& domain) {
  if (deps_.leases == nullptr) return;
  if (auto marked = deps_.leases->mark(day, domain, tlsrpt::LeaseState::built); !marked) {
    spdlog::warn("tlsrpt: {} {}: marking the lease built failed: {}", tlsrpt::format_day(day),
                 domain, marked.error().message);
  }
}

bool ReportService::still_ours(const tlsrpt::DueDelivery& d) {
  if (deps_.leases == nullptr) return true;
  // Renewed before each send, so that a live node's report is not taken over while it sends.
  auto grant = deps_.leases->take(d.report.day, d.report.policy_domain);
  if (!grant) {
    // The database is away: sending anyway could only repeat a report that another node took
    // over; waiting costs a retry. The delivery stays due and is tried at the next run.
    spdlog::warn("tlsrpt: report {} to {}: the lease could not be renewed ({}); sent later",
                 d.report.id, d.delivery.uri, grant.error().message);
    return false;
  }
  if (grant->action == tlsrpt::LeaseAction::take_over) {
    // The node that held it died with deliveries pending: they go on from here, with the report
    // it stored (the same report-id and JSON).
    spdlog::warn("tlsrpt: report {}: taken over from node {} whose lease ran out", d.report.id,
                 grant->lease.node);
    mark_built(d.report.day, d.report.policy_domain);
  }
  if (tlsrpt::holds(grant->action)) return true;
  // The delivery stays as the shared store has it: the lease's holder sends it, or nobody
  // (sent). It was due here only because the lease changed hands since it was read.
  spdlog::info("tlsrpt: report {} to {} not sent here: {} by node {}", d.report.id,
               d.delivery.uri, grant->action == tlsrpt::LeaseAction::done ? "sent" : "held",
               grant->lease.node);
  return false;
}

void ReportService::hold_for_retry(const tlsrpt::StoredReport& report, core::SysTime retry_at) {
  if (deps_.leases == nullptr) return;
  auto held = deps_.leases->hold_until(report.day, report.policy_domain, retry_at);
  if (!held) {
    // The retry is still ours to make; another node may take the report over first.
    spdlog::warn("tlsrpt: keeping the lease of {} until its retry failed: {}", report.id,
                 held.error().message);
  }
}

// Every destination of the report is sent or given up (RFC 8460 §5.5): the lease says sent, and
// no node of the fleet builds that report again.
void ReportService::mark_finished(const tlsrpt::StoredReport& report) {
  if (deps_.leases == nullptr) return;
  auto all = deps_.reports.deliveries(report.id);
  if (!all) {
    spdlog::warn("tlsrpt: reading the deliveries of {} failed: {}", report.id,
                 all.error().message);
    return;
  }
  for (const auto& d : *all) {
    if (d.state == tlsrpt::DeliveryState::pending) return;
  }
  auto marked = deps_.leases->mark(report.day, report.policy_domain, tlsrpt::LeaseState::sent);
  if (!marked) {
    spdlog::warn("tlsrpt: marking the report {} sent in the shared database failed: {}",
                 report.id, marked.error().message);
  }
}

}  // namespace stsrelay::app
