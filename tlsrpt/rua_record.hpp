// Parser of the `_smtp._tls.<domain>` TXT record set (RFC 8460 §3): where a policy domain wants
// its TLS-RPT reports sent.
//
// Input: every TXT record of the name, each as its character-strings (joined without separator,
// §3). Output: the usable `rua` destinations, or why there are none. Only `mailto:` and
// `https:` URIs are usable (§3); URIs of other schemes are ignored, and a record that leaves
// none is reported as such. Pure: the DNS lookup is the caller's.
#pragma once

#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "sts/txt_record.hpp"

namespace stsrelay::tlsrpt {

// Exactly one valid `v=TLSRPTv1` record with at least one usable URI, in record order, without
// duplicates; `ignored` lists the URIs of other schemes or without an address.
struct RuaOk {
  std::vector<std::string> rua;
  std::vector<std::string> ignored;
};
// No record begins with `v=TLSRPTv1` (or the name has no TXT records).
struct RuaNoRecord {};
// More than one record begins with `v=TLSRPTv1`: §3, "If the number of resulting records is not
// one, senders MUST assume the recipient domain does not implement TLSRPT".
struct RuaMultiple {
  std::size_t count = 0;
};
// The one record is syntactically invalid (the same consequence as no record).
struct RuaMalformed {
  std::string reason;
};
// The record is valid but names no `mailto:` or `https:` destination we can use.
struct RuaNoUsableUri {
  std::vector<std::string> ignored;
};

using RuaParseResult = std::variant<RuaOk, RuaNoRecord, RuaMultiple, RuaMalformed, RuaNoUsableUri>;

// Parses the record set of `_smtp._tls.<domain>`.
RuaParseResult parse_rua_records(const std::vector<sts::TxtRecord>& records);

// Parses one joined record text that begins with `v=TLSRPTv1`.
RuaParseResult parse_rua_record(std::string_view text);

// True when `text` is a TLS-RPT record at all (begins with the tlsrpt-version field).
bool is_tlsrpt_record(std::string_view text);

// One line for logs, e.g. "ok rua=mailto:tlsrpt@example.com", "malformed: rua missing".
std::string describe(const RuaParseResult& result);

}  // namespace stsrelay::tlsrpt
