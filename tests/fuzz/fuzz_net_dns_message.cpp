// Fuzz target: the DNS response decoder (src/net/dns_message.hpp) the resolver runs on every
// answer c-ares hands over. Input: one byte choosing the query type, the query name up to a
// NUL byte, then the response message. Invariants: no crash; a decoded answer holds only
// records of the asked type, TTLs follow RFC 2181 §8 (< 2^31), names are lower case; decoding
// is deterministic.
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

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 1) return 0;
  const RecordType type = kTypes[data[0] % std::size(kTypes)];
  std::size_t pos = 1;
  std::string qname;
  while (pos < size && data[pos] != 0) qname += static_cast<char>(data[pos++]);
  if (pos < size) ++pos;
  const std::span<const std::uint8_t> message(data + pos, size - pos);

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
  return 0;
}
