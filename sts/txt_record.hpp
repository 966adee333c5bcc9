// Parser of the `_mta-sts.<domain>` TXT record set (RFC 8461 §3.1).
//
// Input: every TXT record of the name, each as the list of its character-strings (a record's
// strings are joined without a separator, as RFC 7208 §3.3 does for SPF). Output: the policy id,
// or why there is no usable record. Pure: no DNS here; the resolver hands us what it received,
// and a failed lookup is reported by the resolver, not by this parser.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

namespace stsrelay::sts {

// One TXT resource record: its character-strings in wire order.
using TxtRecord = std::vector<std::string>;

// Exactly one `v=STSv1` record, well-formed: its `id`.
struct TxtOk {
  std::string id;
};
// No record begins with `v=STSv1` (or there were no TXT records at all).
struct TxtNoRecord {};
// More than one record begins with `v=STSv1` (§3.1: "If the number of resulting records is not
// one ... senders MUST assume the recipient domain does not have an available MTA-STS Policy").
struct TxtMultiple {
  std::size_t count = 0;
};
// The one `v=STSv1` record is syntactically invalid; `reason` is for logs and `stsrelay check`.
struct TxtMalformed {
  std::string reason;
};

using TxtParseResult = std::variant<TxtOk, TxtNoRecord, TxtMultiple, TxtMalformed>;

// Parses the record set of `_mta-sts.<domain>`.
TxtParseResult parse_txt_records(const std::vector<TxtRecord>& records);

// Parses one already-joined record text that begins with `v=STSv1`.
TxtParseResult parse_txt_record(std::string_view text);

// True when `text` is an MTA-STS record at all (begins with the sts-version field).
bool is_sts_record(std::string_view text);

// The records of a set that `is_wanted` accepts, each with its character-strings joined: how
// many there are, and the first. A name's other TXT records are discarded (§3.1; RFC 8460 §3
// likewise for TLS-RPT), and a record set is usable only when exactly one is left.
struct WantedRecords {
  std::size_t count = 0;
  std::optional<std::string> first;
};
WantedRecords find_records(const std::vector<TxtRecord>& records,
                           bool (*is_wanted)(std::string_view text));

// One line for logs and `stsrelay check`, e.g. "ok id=20240101", "malformed: id missing".
std::string describe(const TxtParseResult& result);

}  // namespace stsrelay::sts
