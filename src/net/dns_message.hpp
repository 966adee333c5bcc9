// DNS messages (RFC 1035 §4.1), both ways. Queries are encoded here, not by c-ares, because
// c-ares 1.18 cannot set the AD bit nor the DO bit, and DANE needs both (RFC 6840 §5.7).
// Responses are decoded into the records a query asked for, with their TTLs: the CNAME chain in
// the answer section is followed from the query name (RFC 1034 §3.6.2, RFC 5321 §5.1), the SOA
// of a negative answer gives how long it may be cached (RFC 2308 §5), and the AD bit says
// whether the validating resolver vouches for the whole answer (RFC 4035 §3.2.3). Pure: bytes
// in, values or an error out; fuzzed by tests/fuzz/fuzz_net_dns_message.
//
// Deliberately not done here: DNSSEC validation itself (the resolver's job: RRSIGs are neither
// asked for nor read), EDNS options, and checking the question against the query (c-ares
// matches responses to queries before we see them).
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

// RFC 6891 §6.2.5 and the DNS flag day 2020 recommendation: no fragmentation on common paths.
inline constexpr std::uint16_t kEdnsPayload = 1232;

// Encodes a recursive query for (`name`, `type`) in class IN with message id `id`: RD (RFC 1035
// §4.1.1), AD (RFC 6840 §5.7: asks a validating resolver to report whether the answer is
// authentic), and an EDNS0 OPT record (RFC 6891 §6.1.2) advertising `udp_payload` with the DO
// bit (RFC 3225 §3), as the last record of the message and without options, so c-ares can strip
// it and retry when a server answers FORMERR to EDNS. `name` is in presentation form as
// decode_response writes names (\. \\ \DDD escapes, RFC 1035 §5.1); a trailing dot is
// allowed. Errors (ErrorKind::invalid): an empty label, a label over 63 octets or a name over
// 255 octets on the wire (RFC 1035 §2.3.4), a bad escape.
core::Result<std::vector<std::uint8_t>> encode_query(std::string_view name, RecordType type,
                                                     std::uint16_t id,
                                                     std::uint16_t udp_payload = kEdnsPayload);

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
  bool authenticated_data = false;  // the AD bit (RFC 4035 §3.2.3, RFC 6840 §5.8)
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
// TTL for the cache (RFC 2308 §5: negative answers use the SOA; 0 when there was none), and
// whether it is authenticated: the AD bit of an answer, NODATA or NXDOMAIN (secure denial of
// existence, RFC 4035 §3.2.3); never for a temporary failure. The AD bit covers every RRset of
// the response, the CNAMEs that led to the records included (RFC 4035 §3.2.3: "all RRsets in
// the Answer and Authority sections"), so a chain in one response is secure only as a whole.
struct DnsAnswer {
  DnsStatus status = DnsStatus::temporary;
  std::vector<RecordData> records;
  std::string reason;
  std::string canonical_name;
  std::uint32_t ttl = 0;
  bool authenticated = false;

  DnssecStatus dnssec() const { return dnssec_status(status, authenticated); }
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
  r.authenticated = answer.authenticated;
  for (const RecordData& d : answer.records) {
    if (const T* v = std::get_if<T>(&d)) r.records.push_back(*v);
  }
  if (r.status == DnsStatus::answer && r.records.empty()) r.status = DnsStatus::nodata;
  return r;
}

}  // namespace stsrelay::net
