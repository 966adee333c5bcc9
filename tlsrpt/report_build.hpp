// One TLS-RPT report made ready to store and send: the JSON of one policy domain's UTC day with
// its report-id, file name and Subject, all from the same day, domain and submitter (so a
// report built again for the same day and domain keeps its names). Pure: `now` is the
// creation time kept in the report store.
#pragma once

#include <string>

#include "tlsrpt/counters.hpp"
#include "tlsrpt/report_json.hpp"
#include "tlsrpt/report_store.hpp"

namespace stsrelay::tlsrpt {

struct BuiltReport {
  StoredReport stored;   // id (report-id), day, policy domain, JSON, created_at = now
  std::string filename;  // RFC 8460 §5.1, ".json.gz"
  std::string subject;   // RFC 8460 §5.3
};

BuiltReport build_report(const ReportMeta& meta, const DomainDay& data, core::SysTime now);

}  // namespace stsrelay::tlsrpt
