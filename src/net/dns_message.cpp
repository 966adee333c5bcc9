#include "src/net/dns_message.hpp"

#include <algorithm>
#include <array>
#include <cstdio>

#include "src/core/ascii.hpp"

namespace stsrelay::net {
namespace {

using Bytes = std::span<const std::uint8_t>;
using core::Error;

constexpr std::size_t kHeaderSize = 12;
constexpr std::uint16_t kClassIn = 1;
constexpr std::uint16_t kTypeOpt = 41;  // RFC 6891 §6.1.1
// Header flag bits (RFC 1035 §4.1.1, RFC 4035 §3.2.3 and RFC 6840 §5.7 for AD).
constexpr std::uint16_t kFlagQr = 0x8000;
constexpr std::uint16_t kFlagTc = 0x0200;
constexpr std::uint16_t kFlagRd = 0x0100;
constexpr std::uint16_t kFlagAd = 0x0020;
// The DO bit, the top bit of the OPT record's flags in its TTL field (RFC 3225 §3).
constexpr std::uint16_t kEdnsDo = 0x8000;

std::uint16_t read16(Bytes m, std::size_t at) {
  return static_cast<std::uint16_t>(m[at] << 8 | m[at + 1]);
}
std::uint32_t read32(Bytes m, std::size_t at) {
  return std::uint32_t{m[at]} << 24 | std::uint32_t{m[at + 1]} << 16 |
         std::uint32_t{m[at + 2]} << 8 | std::uint32_t{m[at + 3]};
}

// RFC 2181 §8: a TTL with the top bit set is treated as zero.
std::uint32_t sane_ttl(std::uint32_t ttl) { return (ttl & 0x80000000u) ? 0 : ttl; }

// Appends one label in presentation form: lower case, with "." "\" and non-printable octets
// escaped as RFC 1035 §5.1 allows (\DDD), so that c-ares can send the name back unchanged.
void append_label(std::string& out, Bytes label) {
  for (std::uint8_t c : label) {
    if (c == '.' || c == '\\') {
      out += '\\';
      out += static_cast<char>(c);
    } else if (c <= 0x20 || c >= 0x7f) {
      char buf[5];
      std::snprintf(buf, sizeof buf, "\\%03u", static_cast<unsigned>(c));
      out += buf;
    } else {
      out += core::ascii_lower(static_cast<char>(c));
    }
  }
}

// Reads a possibly compressed name (RFC 1035 §4.1.4) starting at `at`; sets `next` to the
// offset after the name as written there. A pointer must point strictly before the label that
// holds it, which rules out loops; the wire length is capped at 255 octets (RFC 1035 §2.3.4).
core::Result<std::string> read_name(Bytes m, std::size_t at, std::size_t& next) {
  std::string out;
  std::size_t wire_len = 0;
  bool jumped = false;
  std::size_t pos = at;
  while (true) {
    if (pos >= m.size()) return Error::invalid("name runs past the end of the message");
    const std::uint8_t len = m[pos];
    if ((len & 0xC0) == 0xC0) {
      if (pos + 1 >= m.size()) return Error::invalid("truncated compression pointer");
      const std::size_t target = static_cast<std::size_t>((len & 0x3F) << 8 | m[pos + 1]);
      if (target >= pos) return Error::invalid("compression pointer does not point backwards");
      if (!jumped) next = pos + 2;
      jumped = true;
      pos = target;
      continue;
    }
    if ((len & 0xC0) != 0) return Error::invalid("unknown label type");
    wire_len += len + 1u;
    if (wire_len > 255) return Error::invalid("name longer than 255 octets");
    if (len == 0) {
      if (!jumped) next = pos + 1;
      break;
    }
    if (pos + 1 + len > m.size()) return Error::invalid("label runs past the end of the message");
    if (!out.empty()) out += '.';
    append_label(out, m.subspan(pos + 1, len));
    pos += 1 + len;
  }
  return out.empty() ? std::string(".") : out;
}

struct RawRecord {
  std::string owner;
  std::uint16_t type = 0;
  std::uint16_t klass = 0;
  std::uint32_t ttl = 0;
  std::size_t rdata = 0;  // offset of the rdata in the message
  std::uint16_t rdlength = 0;
};

core::Result<RawRecord> read_record(Bytes m, std::size_t& pos) {
  std::size_t next = 0;
  auto owner = read_name(m, pos, next);
  if (!owner) return owner.error();
  if (next + 10 > m.size()) return Error::invalid("record header runs past the end");
  RawRecord r;
  r.owner = std::move(*owner);
  r.type = read16(m, next);
  r.klass = read16(m, next + 2);
  r.ttl = sane_ttl(read32(m, next + 4));
  r.rdlength = read16(m, next + 8);
  r.rdata = next + 10;
  if (r.rdata + r.rdlength > m.size()) return Error::invalid("rdata runs past the end");
  pos = r.rdata + r.rdlength;
  return r;
}

void put16(std::vector<std::uint8_t>& b, std::uint16_t v) {
  b.push_back(static_cast<std::uint8_t>(v >> 8));
  b.push_back(static_cast<std::uint8_t>(v & 0xFF));
}

// Appends `name` (presentation form) in wire form: length-prefixed labels, then the root.
core::Status put_name(std::vector<std::uint8_t>& b, std::string_view name) {
  if (name.empty() || name == ".") {
    b.push_back(0);
    return core::Ok{};
  }
  const std::size_t start = b.size();
  std::size_t label_at = b.size();
  b.push_back(0);
  auto close_label = [&]() -> core::Status {
    const std::size_t len = b.size() - label_at - 1;
    if (len == 0) return Error::invalid("empty label in \"" + std::string(name) + "\"");
    if (len > 63) return Error::invalid("label longer than 63 octets");
    b[label_at] = static_cast<std::uint8_t>(len);
    return core::Ok{};
  };
  for (std::size_t i = 0; i < name.size(); ++i) {
    const char c = name[i];
    if (c == '.') {
      if (auto st = close_label(); !st) return st;
      if (i + 1 == name.size()) break;  // the trailing dot of a fully qualified name
      label_at = b.size();
      b.push_back(0);
      continue;
    }
    if (c != '\\') {
      b.push_back(static_cast<std::uint8_t>(c));
      if (i + 1 == name.size()) {
        if (auto st = close_label(); !st) return st;
      }
      continue;
    }
    // RFC 1035 §5.1: \X is X itself, \DDD the octet with that decimal value.
    if (i + 1 >= name.size()) return Error::invalid("name ends in a backslash");
    if (core::is_digit(name[i + 1])) {
      if (i + 3 >= name.size() || !core::is_digit(name[i + 2]) || !core::is_digit(name[i + 3])) {
        return Error::invalid("\\DDD escape needs three digits");
      }
      const int v = (name[i + 1] - '0') * 100 + (name[i + 2] - '0') * 10 + (name[i + 3] - '0');
      if (v > 255) return Error::invalid("\\DDD escape above 255");
      b.push_back(static_cast<std::uint8_t>(v));
      i += 3;
    } else {
      b.push_back(static_cast<std::uint8_t>(name[i + 1]));
      ++i;
    }
    if (i + 1 == name.size()) {
      if (auto st = close_label(); !st) return st;
    }
  }
  b.push_back(0);
  if (b.size() - start > 255) return Error::invalid("name longer than 255 octets");
  return core::Ok{};
}

std::string type_context(const RawRecord& r) {
  return " in the record of " + r.owner + " type " + std::to_string(r.type);
}

// Decodes the rdata of a record of one of the types we ask for.
core::Result<RecordData> decode_rdata(Bytes m, const RawRecord& r, RecordType type) {
  const Bytes rd = m.subspan(r.rdata, r.rdlength);
  switch (type) {
    case RecordType::a: {
      if (rd.size() != 4) return Error::invalid("A rdata is not 4 octets" + type_context(r));
      return RecordData{IpAddress::v4({rd[0], rd[1], rd[2], rd[3]})};
    }
    case RecordType::aaaa: {
      if (rd.size() != 16) return Error::invalid("AAAA rdata is not 16 octets" + type_context(r));
      std::array<std::uint8_t, 16> b{};
      std::copy(rd.begin(), rd.end(), b.begin());
      return RecordData{IpAddress::v6(b)};
    }
    case RecordType::mx: {
      if (rd.size() < 3) return Error::invalid("MX rdata too short" + type_context(r));
      std::size_t next = 0;
      auto host = read_name(m, r.rdata + 2, next);
      if (!host) return Error::invalid(host.error().message + type_context(r));
      if (next != r.rdata + r.rdlength) return Error::invalid("MX rdata length" + type_context(r));
      return RecordData{MxRecord{read16(m, r.rdata), std::move(*host)}};
    }
    case RecordType::txt: {
      // RFC 1035 §3.3.14: one or more <character-string>s filling the rdata exactly.
      if (rd.empty()) return Error::invalid("empty TXT rdata" + type_context(r));
      TxtRecord strings;
      std::size_t p = 0;
      while (p < rd.size()) {
        const std::size_t len = rd[p];
        if (p + 1 + len > rd.size()) return Error::invalid("TXT string overruns" + type_context(r));
        strings.emplace_back(reinterpret_cast<const char*>(rd.data() + p + 1), len);
        p += 1 + len;
      }
      return RecordData{std::move(strings)};
    }
    case RecordType::tlsa: {
      if (rd.size() < 3) return Error::invalid("TLSA rdata too short" + type_context(r));
      return RecordData{TlsaRecord{rd[0], rd[1], rd[2], {rd.begin() + 3, rd.end()}}};
    }
    case RecordType::cname:
    case RecordType::soa:
      break;
  }
  return Error::invalid("record type not decoded: " + std::string(to_string(type)));
}

}  // namespace

core::Result<std::vector<std::uint8_t>> encode_query(std::string_view name, RecordType type,
                                                     std::uint16_t id,
                                                     std::uint16_t udp_payload) {
  std::vector<std::uint8_t> b;
  b.reserve(kHeaderSize + name.size() + 2 + 4 + 11);
  put16(b, id);
  put16(b, kFlagRd | kFlagAd);
  put16(b, 1);  // QDCOUNT
  put16(b, 0);  // ANCOUNT
  put16(b, 0);  // NSCOUNT
  put16(b, 1);  // ARCOUNT: the OPT record
  if (auto st = put_name(b, name); !st) return st.error();
  put16(b, static_cast<std::uint16_t>(type));
  put16(b, kClassIn);
  // OPT pseudo-record (RFC 6891 §6.1.2): root owner, CLASS = UDP payload size, TTL = extended
  // RCODE 0, version 0, flags with DO; no options. 11 octets, the size c-ares strips on FORMERR.
  b.push_back(0);
  put16(b, kTypeOpt);
  put16(b, udp_payload);
  b.push_back(0);  // extended RCODE
  b.push_back(0);  // EDNS version 0
  put16(b, kEdnsDo);
  put16(b, 0);  // RDLENGTH
  return b;
}

core::Result<DecodedResponse> decode_response(Bytes m, std::string_view qname,
                                              RecordType qtype) {
  if (m.size() < kHeaderSize) return Error::invalid("message shorter than a DNS header");
  const std::uint16_t flags = read16(m, 2);
  if ((flags & kFlagQr) == 0) return Error::invalid("not a response (QR=0)");
  DecodedResponse out;
  out.rcode = static_cast<std::uint8_t>(flags & 0x000F);
  out.truncated = (flags & kFlagTc) != 0;
  out.authenticated_data = (flags & kFlagAd) != 0;
  const std::uint16_t qdcount = read16(m, 4);
  const std::uint16_t ancount = read16(m, 6);
  const std::uint16_t nscount = read16(m, 8);

  std::size_t pos = kHeaderSize;
  for (std::uint16_t i = 0; i < qdcount; ++i) {
    std::size_t next = 0;
    auto name = read_name(m, pos, next);
    if (!name) return name.error();
    if (next + 4 > m.size()) return Error::invalid("question runs past the end");
    pos = next + 4;
  }
  std::vector<RawRecord> answers;
  for (std::uint16_t i = 0; i < ancount; ++i) {
    auto r = read_record(m, pos);
    if (!r) return r.error();
    if (r->klass == kClassIn) answers.push_back(std::move(*r));
  }
  for (std::uint16_t i = 0; i < nscount; ++i) {
    auto r = read_record(m, pos);
    if (!r) return r.error();
    if (r->type != static_cast<std::uint16_t>(RecordType::soa) || r->klass != kClassIn) continue;
    // SOA rdata: MNAME, RNAME, then SERIAL REFRESH RETRY EXPIRE MINIMUM (RFC 1035 §3.3.13).
    std::size_t next = 0;
    auto mname = read_name(m, r->rdata, next);
    if (!mname) return mname.error();
    auto rname = read_name(m, next, next);
    if (!rname) return rname.error();
    if (next + 20 != r->rdata + r->rdlength) return Error::invalid("SOA rdata length");
    const std::uint32_t minimum = sane_ttl(read32(m, next + 16));
    // RFC 2308 §5: the negative TTL is the minimum of the SOA's own TTL and its MINIMUM field.
    out.negative_ttl = std::min(r->ttl, minimum);
  }
  // The additional section is not needed and not read.

  // Follow the CNAME chain from the query name (RFC 1034 §3.6.2). A name can own records of
  // the asked type or a CNAME, never both (RFC 1034 §3.6.2, RFC 2181 §10.1).
  std::string current = normalize_dns_name(qname);
  std::uint32_t ttl = UINT32_MAX;
  for (int hops = 0;; ++hops) {
    bool found = false;
    for (const RawRecord& r : answers) {
      if (r.type != static_cast<std::uint16_t>(qtype) || normalize_dns_name(r.owner) != current) {
        continue;
      }
      auto data = decode_rdata(m, r, qtype);
      if (!data) return data.error();
      out.records.push_back(std::move(*data));
      ttl = std::min(ttl, r.ttl);
      found = true;
    }
    if (found) break;
    const RawRecord* cname = nullptr;
    for (const RawRecord& r : answers) {
      if (r.type == static_cast<std::uint16_t>(RecordType::cname) &&
          normalize_dns_name(r.owner) == current) {
        cname = &r;
        break;
      }
    }
    if (cname == nullptr) break;
    if (hops == kMaxCnameChain) return Error::invalid("CNAME chain longer than 16 links");
    std::size_t next = 0;
    auto target = read_name(m, cname->rdata, next);
    if (!target) return target.error();
    current = std::move(*target);
    ttl = std::min(ttl, cname->ttl);
    out.cname_followed = true;
  }
  out.canonical_name = std::move(current);
  out.ttl = ttl == UINT32_MAX ? 0 : ttl;
  return out;
}

DnsAnswer interpret(const DecodedResponse& response) {
  DnsAnswer a;
  a.canonical_name = response.canonical_name;
  // RFC 4035 §3.2.3: AD in an answer or a negative answer; a failure has nothing to vouch for.
  // A truncated response is not the whole answer the AD bit spoke of (c-ares retries over TCP,
  // so this is defence in depth).
  a.authenticated = response.authenticated_data && !response.truncated;
  switch (static_cast<Rcode>(response.rcode)) {
    case Rcode::noerror:
      if (!response.records.empty()) {
        a.status = DnsStatus::answer;
        a.records = response.records;
        a.ttl = response.ttl;
      } else {
        a.status = DnsStatus::nodata;
        a.reason = "no records of that type";
        a.ttl = response.negative_ttl.value_or(0);
      }
      return a;
    case Rcode::nxdomain:
      // RFC 6604 §2.1: after CNAMEs, NXDOMAIN speaks of the last name in the chain.
      a.status = DnsStatus::nxdomain;
      a.reason = "no such domain";
      a.ttl = response.negative_ttl.value_or(0);
      return a;
    case Rcode::servfail: a.reason = "SERVFAIL"; break;
    case Rcode::refused: a.reason = "REFUSED"; break;
    case Rcode::formerr: a.reason = "FORMERR"; break;
    case Rcode::notimp: a.reason = "NOTIMP"; break;
    default: a.reason = "RCODE " + std::to_string(response.rcode); break;
  }
  a.status = DnsStatus::temporary;
  a.authenticated = false;
  return a;
}

}  // namespace stsrelay::net
