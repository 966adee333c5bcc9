// Fuzz target: the DNS response decoder (src/net/dns_message.hpp) the resolver runs on every
// answer c-ares hands over. Input: one byte choosing the query type, the query name up to a
// NUL byte, then the response message. Invariants: no crash; a decoded answer holds only
// records of the asked type, TTLs follow RFC 2181 §8 (< 2^31), names are lower case; decoding
// is deterministic. DNSSEC (RFC 4035 §3.2.3, RFC 6840 §5.7): an answer is authenticated only
// when the AD bit was set and the response was neither truncated nor a failure, and a failure
// is always indeterminate, never secure. The query name also goes through encode_query, whose
// output must always carry RD, AD and an OPT record with DO.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <span>
#include <string>

#include "src/net/dns_message.hpp"

using namespace stsrelay::net;

namespace {

constexpr RecordType kTypes[] = {RecordType::a, RecordType::aaaa, RecordType::mx,
                                 RecordType::txt, RecordType::tlsa};

bool lower(const std::string& s) {
  for (char c : s) {
    if (c >= 'A' && c <= 'Z') return false;
  }
  return true;
}

std::size_t index_of(RecordType t) {
  switch (t) {
    case RecordType::a:
    case RecordType::aaaa: return 0;
    case RecordType::mx: return 1;
    case RecordType::txt: return 2;
    default: return 3;
  }
}

void check_query(const std::string& qname, RecordType type) {
  auto q = encode_query(qname, type, 0x1234);
  if (!q) {
    if (q.error().message.empty()) std::abort();
    return;
  }
  // Header, at least the root name, QTYPE/QCLASS, and the 11-octet OPT record.
  if (q->size() < 12 + 1 + 4 + 11 || q->size() > 12 + 255 + 4 + 11) std::abort();
  const auto& b = *q;
  if (b[2] != 0x01 || b[3] != 0x20) std::abort();           // RD, AD; a query (QR=0)
  if (b[11] != 1 || b[5] != 1) std::abort();                // QDCOUNT 1, ARCOUNT 1
  const std::size_t opt = b.size() - 11;
  if (b[opt] != 0 || b[opt + 1] != 0 || b[opt + 2] != 41) std::abort();  // root, TYPE OPT
  if (b[opt + 7] != 0x80) std::abort();                     // DO (RFC 3225 §3)
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 1) return 0;
  const RecordType type = kTypes[data[0] % std::size(kTypes)];
  std::size_t pos = 1;
  std::string qname;
  while (pos < size && data[pos] != 0) qname += static_cast<char>(data[pos++]);
  if (pos < size) ++pos;
  const std::span<const std::uint8_t> message(data + pos, size - pos);

  check_query(qname, type);
  auto decoded = decode_response(message, qname, type);
  auto again = decode_response(message, qname, type);
  if (decoded.ok() != again.ok()) std::abort();
  if (!decoded.ok()) {
    if (decoded.error().message.empty()) std::abort();
    return 0;
  }
  if (decoded->records != again->records || decoded->ttl != again->ttl) std::abort();
  if (decoded->ttl >= 0x80000000u) std::abort();
  if (decoded->negative_ttl && *decoded->negative_ttl >= 0x80000000u) std::abort();
  if (!lower(decoded->canonical_name)) std::abort();
  for (const RecordData& r : decoded->records) {
    if (r.index() != index_of(type)) std::abort();
    if (const auto* ip = std::get_if<IpAddress>(&r)) {
      if ((ip->family == IpFamily::v6) != (type == RecordType::aaaa)) std::abort();
    }
    if (const auto* mx = std::get_if<MxRecord>(&r)) {
      if (mx->host.empty() || !lower(mx->host)) std::abort();
    }
    if (const auto* txt = std::get_if<TxtRecord>(&r)) {
      if (txt->empty()) std::abort();
    }
  }
  const DnsAnswer answer = interpret(*decoded);
  if ((answer.status == DnsStatus::answer) != !answer.records.empty()) std::abort();
  if (answer.status != DnsStatus::answer && answer.reason.empty()) std::abort();
  (void)to_result<MxRecord>(answer);
  (void)to_result<TxtRecord>(answer);

  // AD bit and RCODE.
  if (decoded->authenticated_data != ((message[3] & 0x20) != 0)) std::abort();
  const bool failure = answer.status == DnsStatus::temporary;
  const bool expect_secure = !failure && decoded->authenticated_data && !decoded->truncated;
  if (answer.authenticated != expect_secure) std::abort();
  if (failure && answer.dnssec() != DnssecStatus::indeterminate) std::abort();
  if (!failure && answer.dnssec() == DnssecStatus::indeterminate) std::abort();
  if (failure != (decoded->rcode != 0 && decoded->rcode != 3)) std::abort();
  const auto tlsa = to_result<TlsaRecord>(answer);
  if (tlsa.dnssec() != (tlsa.status == DnsStatus::temporary ? DnssecStatus::indeterminate
                                                             : answer.dnssec())) {
    std::abort();
  }
  if (type == RecordType::tlsa) {
    // TLSA RDATA (RFC 6698 §2.1): three octets of parameters, then the data, all of it.
    for (const TlsaRecord& r : tlsa.records) {
      if (r.data.size() + 3 > message.size()) std::abort();
    }
    if (tlsa.records.size() != answer.records.size()) std::abort();
  }
  return 0;
}
