// The names a TLS-RPT report goes by: its report-id (RFC 8460 §4.4, msg-id style "left@right"),
// its file name (§5.1) and the Subject of its mail (§5.3). All are derived from the day, the
// policy domain and the submitter only, so a report rebuilt or sent again keeps its names.
// Pure.
#pragma once

#include <string>
#include <string_view>

#include "tlsrpt/report_day.hpp"

namespace stsrelay::tlsrpt {

// "<YYYY-MM-DD>.<policy domain>.<hash>@<submitter>": unique per (day, domain, submitter), and
// stable for the same three. The hash (16 hex digits) keeps ids of similar names apart in
// receivers that index only part of the id.
std::string make_report_id(Day day, std::string_view policy_domain, std::string_view submitter);

// §5.1: "<submitter>!<policy domain>!<begin epoch>!<end epoch>!<unique>.json.gz", the epochs of
// 00:00:00Z and 23:59:59Z of the day, <unique> the report-id's hash (alphanumeric, as §5.1
// asks).
std::string report_filename(Day day, std::string_view policy_domain, std::string_view submitter);

// §5.3: "Report Domain: <policy domain> Submitter: <submitter> Report-ID: <<report-id>>".
std::string report_subject(std::string_view policy_domain, std::string_view submitter,
                           std::string_view report_id);

}  // namespace stsrelay::tlsrpt
