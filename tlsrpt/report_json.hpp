// The TLS-RPT aggregate report as JSON (RFC 8460 §4.4), with the field names of the RFC's JSON
// schema where its prose differs ("policy-domain", "mx-host", "additional-information"):
//
//   organization-name, date-range {start-datetime, end-datetime}, contact-info, report-id,
//   policies[] { policy {policy-type, policy-string[], policy-domain, mx-host[]},
//                summary {total-successful-session-count, total-failure-session-count},
//                failure-details[] {result-type, sending-mta-ip, receiving-mx-hostname,
//                                   receiving-mx-helo, receiving-ip, failed-session-count,
//                                   additional-information, failure-reason-code} }
//
// Optional fields that are empty are left out (no "policy-string" for no-policy-found, no
// "receiving-mx-helo" when the greeting was never read, no "failure-details" without
// failures). "policies" is an array even with one policy (§4). Pure.
#pragma once

#include <string>

#include "tlsrpt/counters.hpp"

namespace stsrelay::tlsrpt {

// Who writes the report (configuration [tlsrpt]).
struct ReportMeta {
  std::string organization_name;
  std::string contact_info;  // "tlsrpt@example.org" or "mailto:tlsrpt@example.org"
  std::string submitter;     // the domain after "@" in report-id and the file name
};

// The report of one policy domain for one UTC day, compact JSON without a trailing newline.
std::string build_report_json(const ReportMeta& meta, const DomainDay& data);

}  // namespace stsrelay::tlsrpt
