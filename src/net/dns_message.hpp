// Decoding of DNS response messages (RFC 1035 §4.1) into the records a query asked for, with
// their TTLs: the CNAME chain in the answer section is followed from the query name (RFC 1034
// §3.6.2, RFC 5321 §5.1), and the SOA of a negative answer gives how long it may be cached
// (RFC 2308 §5). Pure: bytes in, values or an error out; fuzzed by tests/fuzz/fuzz_net_dns_message.
//
// Deliberately not done here: DNSSEC, EDNS options, and checking the question against the
// query (c-ares matches responses to queries before we see them).
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "src/core/result.hpp"
#include "src/net/dns_types.hpp"

namespace stsrelay::net {

// Bounds a decoder must keep against hostile answers.
inline constexpr int kMaxCnameChain = 16;

// RCODE values (RFC 1035 §4.1.1).
enum class Rcode : std::uint8_t {
  noerror = 0,
  formerr = 1,
  servfail = 2,
  nxdomain = 3,
  notimp = 4,
  refused = 5,
};

struct DecodedResponse {
  std::uint8_t rcode = 0;
  bool truncated = false;
  std::vector<RecordData> records;  // of the type asked for, owned by `canonical_name`
  std::uint32_t ttl = 0;            // smallest TTL of those records and of the CNAMEs used
  std::string canonical_name;       // end of the CNAME chain (the query name if none)
  bool cname_followed = false;
  std::optional<std::uint32_t> negative_ttl;  // min(SOA TTL, SOA MINIMUM) when an SOA came
};

// Decodes `message`, a response to a query for (`qname`, `qtype`). Errors (ErrorKind::invalid)
// for anything malformed: short buffers, bad compression pointers, rdata of the asked type
// that does not fit its format, a CNAME chain longer than kMaxCnameChain.
core::Result<DecodedResponse> decode_response(std::span<const std::uint8_t> message,
                                              std::string_view qname, RecordType qtype);

// What a decoded response means for the caller: answer / nodata / nxdomain / temporary, with
// TTL for the cache (RFC 2308 §5: negative answers use the SOA; 0 when there was none).
struct DnsAnswer {
  DnsStatus status = DnsStatus::temporary;
  std::vector<RecordData> records;
  std::string reason;
  std::string canonical_name;
  std::uint32_t ttl = 0;
};
DnsAnswer interpret(const DecodedResponse& response);

// The records of one type out of a DnsAnswer, as the typed result callers get.
template <class T>
DnsResult<T> to_result(const DnsAnswer& answer) {
  DnsResult<T> r;
  r.status = answer.status;
  r.reason = answer.reason;
  r.canonical_name = answer.canonical_name;
  r.ttl = answer.ttl;
  for (const RecordData& d : answer.records) {
    if (const T* v = std::get_if<T>(&d)) r.records.push_back(*v);
  }
  if (r.status == DnsStatus::answer && r.records.empty()) r.status = DnsStatus::nodata;
  return r;
}

}  // namespace stsrelay::net
