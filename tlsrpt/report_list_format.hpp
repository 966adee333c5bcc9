// `stsrelay report list` as text (one line per report, one indented line per rua destination
// with its state) and as JSON (--json: an array of reports, each with id, day, domain,
// created_at and destinations with uri, state, attempts, next_attempt_at, last_error). Times
// are RFC 3339 UTC. Pure.
#pragma once

#include <string>
#include <vector>

#include "tlsrpt/report_store.hpp"

namespace stsrelay::tlsrpt {

std::string format_report_list_text(const std::vector<ReportListing>& reports);
std::string format_report_list_json(const std::vector<ReportListing>& reports);

}  // namespace stsrelay::tlsrpt
