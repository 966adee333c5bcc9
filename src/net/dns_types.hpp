// Values the DNS resolver hands out: record data of the types stsrelay asks for (A, AAAA, MX,
// TXT, TLSA for DANE) and a result that keeps apart the outcomes a mail client must treat
// differently (RFC 5321 §5.1, RFC 2308): an answer, NODATA, NXDOMAIN, a temporary failure; each
// with the DNSSEC status the validating resolver reported for it (RFC 4035 §3.2.3, RFC 6840
// §5.7), which DANE needs (RFC 7672 §2.1).
//
// Plain values only: no Asio, no c-ares, so every module and every fake can use them.
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

namespace stsrelay::net {

// RR TYPE codes (RFC 1035 §3.2.2, RFC 3596 §2.1, RFC 6698 §7.1).
enum class RecordType : std::uint16_t {
  a = 1,
  cname = 5,
  soa = 6,
  mx = 15,
  txt = 16,
  aaaa = 28,
  tlsa = 52,
};
std::string_view to_string(RecordType type);

enum class IpFamily { v4, v6 };

// An IPv4 or IPv6 address in network byte order (v4 uses the first 4 bytes).
struct IpAddress {
  IpFamily family = IpFamily::v4;
  std::array<std::uint8_t, 16> bytes{};

  static IpAddress v4(std::array<std::uint8_t, 4> b);
  static IpAddress v6(const std::array<std::uint8_t, 16>& b);
  // Parses the textual forms of inet_pton ("192.0.2.1", "2001:db8::1"); false when neither.
  static bool parse(std::string_view text, IpAddress& out);
  // "192.0.2.1" or the RFC 5952 form "2001:db8::1".
  std::string to_string() const;
  friend bool operator==(const IpAddress&, const IpAddress&) = default;
};

// RFC 1035 §3.3.9. `host` is normalised: lower case, no trailing dot; the root is ".".
struct MxRecord {
  std::uint16_t preference = 0;
  std::string host;
  friend bool operator==(const MxRecord&, const MxRecord&) = default;
};

// The character-strings of ONE TXT record, in order and not joined (RFC 1035 §3.3.14): callers
// join them as their protocol says (RFC 7208 §3.3, RFC 8461 §3.1: without separator). The same
// shape as sts::TxtRecord.
using TxtRecord = std::vector<std::string>;

// RFC 6698 §2.1: certificate usage, selector, matching type, certificate association data.
// Values are kept as published, usable or not; sts/tlsa_match decides which ones count.
struct TlsaRecord {
  std::uint8_t usage = 0;
  std::uint8_t selector = 0;
  std::uint8_t matching_type = 0;
  std::vector<std::uint8_t> data;
  friend bool operator==(const TlsaRecord&, const TlsaRecord&) = default;
};

using RecordData = std::variant<IpAddress, MxRecord, TxtRecord, TlsaRecord>;

enum class DnsStatus {
  answer,     // records of the type asked for (after following CNAMEs)
  nodata,     // the name exists but has no record of this type (RFC 2308 §2.2)
  nxdomain,   // the name does not exist (RFC 2308 §2.1, RCODE 3)
  temporary,  // SERVFAIL, REFUSED, timeout, connection or decoding errors: try again later
};
std::string_view to_string(DnsStatus status);

// The DNSSEC state of one result, in the terms of RFC 4035 §4.3 as far as a stub resolver can
// know them: it trusts the AD bit of the validating resolvers it was configured with (RFC 6840
// §5.7; DESIGN.md, [dane]) and cannot tell a bogus answer from an unreachable server, since a
// validating resolver answers both with SERVFAIL (RFC 4035 §5.5).
enum class DnssecStatus {
  secure,         // answer, NODATA or NXDOMAIN with the AD bit set
  insecure,       // answer, NODATA or NXDOMAIN without it: unsigned, or nothing validated it
  indeterminate,  // a temporary failure: bogus or unknown. For DANE it is never "no TLSA"
                  // (RFC 7672 §2.1.1): the host is deferred, not downgraded.
};
std::string_view to_string(DnssecStatus status);

// The status a result with DNS status `status` and AD bit `authenticated` has. A temporary
// failure is indeterminate whatever its AD bit said: there is no answer for it to vouch for.
DnssecStatus dnssec_status(DnsStatus status, bool authenticated);

// The outcome of one query. `records` is non-empty exactly when status == answer. `reason` says
// what happened in words for logs and DSN diagnostics ("SERVFAIL", "timeout after 2 tries").
template <class T>
struct DnsResult {
  DnsStatus status = DnsStatus::temporary;
  std::vector<T> records;
  std::string reason;
  std::string canonical_name;  // the name the records belong to, after CNAMEs
  std::uint32_t ttl = 0;       // seconds the answer stays valid (remaining, when from the cache)
  // The AD bit of the response (RFC 4035 §3.2.3); after CNAME re-queries, set only when every
  // response of the chain had it. False unless a resolver said so: never a false "secure".
  bool authenticated = false;

  bool ok() const { return status == DnsStatus::answer; }
  DnssecStatus dnssec() const { return dnssec_status(status, authenticated); }
};

// Case-folds ASCII, drops one trailing dot (except from the root "."): the form names are
// compared and cached in.
std::string normalize_dns_name(std::string_view name);

// True when `name` can be sent as a query name: 1-253 octets without the trailing dot, labels
// of 1-63 octets (RFC 1035 §2.3.4). Not an LDH check: TXT owners like "_mta-sts" are fine.
bool is_valid_query_name(std::string_view name);

}  // namespace stsrelay::net
