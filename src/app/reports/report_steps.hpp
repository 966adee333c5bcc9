// What a report run does about the report of one (day, policy domain), from what the report
// storage already holds. Pure, so that the rules are one table (report_steps_test.cpp).
//
// A node alone keeps what it always did: a day's run skips a report it built before, and
// `report send` (again) builds it anew, every destination starting over.
//
// A fleet builds each report once for the organisation (RFC 8460 §4: one report per policy
// domain and day from one submitter). A report stored with its destinations is never built
// again: the node holding its lease continues its pending deliveries, also after taking the
// lease over from a node that died, so the receiver gets the same report-id and JSON the first
// node built. A report stored without destinations was left half-built by a node that died
// between the two writes; its lease holder builds it again under the same id.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "tlsrpt/report_storage.hpp"

namespace stsrelay::app {

enum class StoredState {
  none,        // no report of (day, domain) yet
  unfinished,  // the report, but none of its destinations
  built,       // the report and its destinations
};
std::string_view to_string(StoredState state);

// Before the lease: whether this run goes on with the report at all.
bool wants_report(bool fleet, bool again, StoredState stored);

enum class BuildStep {
  build,            // build the report from the counts and add its destinations
  continue_stored,  // send the stored report's pending deliveries
};
std::string_view to_string(BuildStep step);

// Holding the report's lease (a fleet) or alone: what the run does.
BuildStep build_step(bool fleet, StoredState stored);

// Continuing a stored report: the destinations that start over (due now, attempts from 0).
// `report send` (again) sends now what has not been sent, including destinations given up;
// a sent one is never sent again. The day's run and a take-over leave every retry as it stands.
std::vector<std::string> destinations_to_restart(const std::vector<tlsrpt::ReportDelivery>& all,
                                                 bool again);

}  // namespace stsrelay::app
