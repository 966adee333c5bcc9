// Table tests of the DNS response decoder (RFC 1035 §4.1) and of what a response means
// (answer / NODATA / NXDOMAIN / temporary, RFC 2308).
#include "src/net/dns_message.hpp"

#include <gtest/gtest.h>

#include <cstdint>
#include <string>
#include <vector>

namespace stsrelay::net {
namespace {

using Bytes = std::vector<std::uint8_t>;

// A small encoder of response messages, so every row says what it sends in plain terms.
struct Rr {
  std::string owner;
  std::uint16_t type;
  std::uint32_t ttl;
  Bytes rdata;
};

void put16(Bytes& b, unsigned v) {
  b.push_back(static_cast<std::uint8_t>(v >> 8));
  b.push_back(static_cast<std::uint8_t>(v));
}
void put32(Bytes& b, std::uint32_t v) {
  put16(b, v >> 16);
  put16(b, v & 0xFFFF);
}
Bytes name(const std::string& n) {
  Bytes b;
  std::size_t start = 0;
  while (start < n.size() && n != ".") {
    std::size_t dot = n.find('.', start);
    if (dot == std::string::npos) dot = n.size();
    b.push_back(static_cast<std::uint8_t>(dot - start));
    b.insert(b.end(), n.begin() + static_cast<long>(start), n.begin() + static_cast<long>(dot));
    start = dot + 1;
  }
  b.push_back(0);
  return b;
}
Bytes mx_rdata(unsigned pref, const std::string& host) {
  Bytes b;
  put16(b, pref);
  const Bytes n = name(host);
  b.insert(b.end(), n.begin(), n.end());
  return b;
}
Bytes txt_rdata(const std::vector<std::string>& strings) {
  Bytes b;
  for (const auto& s : strings) {
    b.push_back(static_cast<std::uint8_t>(s.size()));
    b.insert(b.end(), s.begin(), s.end());
  }
  return b;
}
Bytes soa_rdata(std::uint32_t minimum) {
  Bytes b = name("ns.example.test");
  const Bytes r = name("hostmaster.example.test");
  b.insert(b.end(), r.begin(), r.end());
  for (std::uint32_t v : {1u, 3600u, 600u, 86400u, minimum}) put32(b, v);
  return b;
}

Bytes message(unsigned rcode, const std::string& qname, std::uint16_t qtype,
              const std::vector<Rr>& answers, const std::vector<Rr>& authority = {}) {
  Bytes b;
  put16(b, 0x1234);
  put16(b, 0x8180 | rcode);  // QR, RD, RA
  put16(b, 1);
  put16(b, answers.size());
  put16(b, authority.size());
  put16(b, 0);
  const Bytes q = name(qname);
  b.insert(b.end(), q.begin(), q.end());
  put16(b, qtype);
  put16(b, 1);
  for (const auto* section : {&answers, &authority}) {
    for (const Rr& rr : *section) {
      const Bytes o = name(rr.owner);
      b.insert(b.end(), o.begin(), o.end());
      put16(b, rr.type);
      put16(b, 1);
      put32(b, rr.ttl);
      put16(b, rr.rdata.size());
      b.insert(b.end(), rr.rdata.begin(), rr.rdata.end());
    }
  }
  return b;
}

constexpr std::uint16_t kA = 1, kCname = 5, kSoa = 6, kMx = 15, kTxt = 16, kAaaa = 28,
                        kTlsa = 52;

struct Row {
  const char* name;
  Bytes bytes;
  std::string qname;
  RecordType qtype;
  DnsStatus status;
  std::vector<RecordData> records = {};
  std::uint32_t ttl = 0;
  std::string canonical = {};
};

TEST(DnsMessage, DecodesAndInterprets) {
  const IpAddress v4 = IpAddress::v4({192, 0, 2, 1});
  std::array<std::uint8_t, 16> six{0x20, 0x01, 0x0d, 0xb8};
  six[15] = 1;
  const IpAddress v6 = IpAddress::v6(six);
  const std::vector<Row> rows = {
      {"A answer", message(0, "mx.example.test", kA, {{"mx.example.test", kA, 300, {192, 0, 2, 1}}}),
       "mx.example.test", RecordType::a, DnsStatus::answer, {v4}, 300, "mx.example.test"},
      {"AAAA answer",
       message(0, "mx.example.test", kAaaa,
               {{"mx.example.test", kAaaa, 60, Bytes(six.begin(), six.end())}}),
       "mx.example.test", RecordType::aaaa, DnsStatus::answer, {v6}, 60, "mx.example.test"},
      {"MX, smallest TTL wins",
       message(0, "example.test", kMx,
               {{"example.test", kMx, 300, mx_rdata(10, "mx1.example.test")},
                {"example.test", kMx, 100, mx_rdata(20, "MX2.Example.Test")}}),
       "example.test", RecordType::mx, DnsStatus::answer,
       {MxRecord{10, "mx1.example.test"}, MxRecord{20, "mx2.example.test"}}, 100, "example.test"},
      {"null MX decodes to the root",
       message(0, "example.test", kMx, {{"example.test", kMx, 300, mx_rdata(0, ".")}}),
       "example.test", RecordType::mx, DnsStatus::answer, {MxRecord{0, "."}}, 300},
      {"TXT: strings of one record stay apart, records stay apart",
       message(0, "_mta-sts.example.test", kTxt,
               {{"_mta-sts.example.test", kTxt, 30, txt_rdata({"v=STSv1; ", "id=1"})},
                {"_mta-sts.example.test", kTxt, 30, txt_rdata({"other"})}}),
       "_mta-sts.example.test", RecordType::txt, DnsStatus::answer,
       {TxtRecord{"v=STSv1; ", "id=1"}, TxtRecord{"other"}}, 30},
      {"TXT with an empty string",
       message(0, "t.example.test", kTxt, {{"t.example.test", kTxt, 30, txt_rdata({""})}}),
       "t.example.test", RecordType::txt, DnsStatus::answer, {TxtRecord{""}}, 30},
      {"CNAME then TXT: chain followed, TTL of the CNAME counts",
       message(0, "_mta-sts.alias.test", kTxt,
               {{"_mta-sts.alias.test", kCname, 20, name("_mta-sts.example.test")},
                {"_mta-sts.example.test", kTxt, 300, txt_rdata({"v=STSv1; id=2"})}}),
       "_mta-sts.alias.test", RecordType::txt, DnsStatus::answer,
       {TxtRecord{"v=STSv1; id=2"}}, 20, "_mta-sts.example.test"},
      {"CNAME then MX, owner in other case",
       message(0, "alias.test", kMx,
               {{"alias.test", kCname, 300, name("Example.Test")},
                {"EXAMPLE.test", kMx, 300, mx_rdata(5, "mx.example.test")}}),
       "alias.test", RecordType::mx, DnsStatus::answer, {MxRecord{5, "mx.example.test"}}, 300,
       "example.test"},
      {"records of another owner are not ours",
       message(0, "a.example.test", kA, {{"b.example.test", kA, 300, {192, 0, 2, 1}}}),
       "a.example.test", RecordType::a, DnsStatus::nodata},
      {"NODATA with SOA: negative TTL = min(SOA TTL, MINIMUM)",
       message(0, "example.test", kMx, {}, {{"example.test", kSoa, 900, soa_rdata(120)}}),
       "example.test", RecordType::mx, DnsStatus::nodata, {}, 120},
      {"NODATA: SOA TTL smaller than MINIMUM",
       message(0, "example.test", kMx, {}, {{"example.test", kSoa, 50, soa_rdata(120)}}),
       "example.test", RecordType::mx, DnsStatus::nodata, {}, 50},
      {"NXDOMAIN with SOA",
       message(3, "nx.example.test", kMx, {}, {{"example.test", kSoa, 900, soa_rdata(60)}}),
       "nx.example.test", RecordType::mx, DnsStatus::nxdomain, {}, 60},
      {"NXDOMAIN without SOA: not cacheable", message(3, "nx.example.test", kA, {}),
       "nx.example.test", RecordType::a, DnsStatus::nxdomain, {}, 0},
      {"SERVFAIL", message(2, "example.test", kMx, {}), "example.test", RecordType::mx,
       DnsStatus::temporary},
      {"REFUSED", message(5, "example.test", kMx, {}), "example.test", RecordType::mx,
       DnsStatus::temporary},
      {"TTL with the top bit set counts as 0 (RFC 2181 §8)",
       message(0, "mx.example.test", kA, {{"mx.example.test", kA, 0x80000001u, {192, 0, 2, 1}}}),
       "mx.example.test", RecordType::a, DnsStatus::answer, {v4}, 0},
      {"TLSA",
       message(0, "_25._tcp.mx.example.test", kTlsa,
               {{"_25._tcp.mx.example.test", kTlsa, 300, {3, 1, 1, 0xAB, 0xCD}}}),
       "_25._tcp.mx.example.test", RecordType::tlsa, DnsStatus::answer,
       {TlsaRecord{3, 1, 1, {0xAB, 0xCD}}}, 300},
  };
  for (const Row& row : rows) {
    SCOPED_TRACE(row.name);
    auto decoded = decode_response(row.bytes, row.qname, row.qtype);
    ASSERT_TRUE(decoded.ok()) << decoded.error().message;
    const DnsAnswer a = interpret(*decoded);
    EXPECT_EQ(a.status, row.status) << a.reason;
    EXPECT_EQ(a.records, row.records);
    EXPECT_EQ(a.ttl, row.ttl);
    if (!row.canonical.empty()) {
      EXPECT_EQ(a.canonical_name, row.canonical);
    }
    if (row.status != DnsStatus::answer) {
      EXPECT_FALSE(a.reason.empty());
    }
  }
}

TEST(DnsMessage, CompressedNames) {
  // MX whose exchange points back into the question name (offset 12) after a label "mx".
  Bytes b = message(0, "example.test", kMx, {});
  b[7] = 1;  // ANCOUNT
  const Bytes rr = {0xC0, 12, 0, kMx, 0, 1, 0, 0, 1, 0x2C, 0, 7, 0, 10, 2, 'm', 'x', 0xC0, 12};
  b.insert(b.end(), rr.begin(), rr.end());
  auto decoded = decode_response(b, "example.test", RecordType::mx);
  ASSERT_TRUE(decoded.ok()) << decoded.error().message;
  ASSERT_EQ(decoded->records.size(), 1u);
  EXPECT_EQ(std::get<MxRecord>(decoded->records[0]), (MxRecord{10, "mx.example.test"}));
  EXPECT_EQ(decoded->ttl, 300u);
}

struct BadRow {
  const char* name;
  Bytes bytes;
  std::string qname = "mx.example.test";
  RecordType qtype = RecordType::a;
};

TEST(DnsMessage, RejectsMalformed) {
  Bytes forward = message(0, "example.test", kA, {});
  forward[7] = 1;
  // An owner name that points forward at itself: a loop in the making.
  const std::size_t at = forward.size();
  const Bytes rr = {0xC0, static_cast<std::uint8_t>(at), 0, kA, 0, 1, 0, 0, 0, 1, 0, 4, 1, 2, 3, 4};
  forward.insert(forward.end(), rr.begin(), rr.end());

  std::vector<Rr> loop;
  for (int i = 0; i < 20; ++i) {
    loop.push_back({"c" + std::to_string(i) + ".test", kCname, 60,
                    name("c" + std::to_string(i + 1) + ".test")});
  }
  Bytes self_loop = message(0, "c0.test", kTxt, loop);
  const std::vector<BadRow> rows = {
      {"shorter than a header", {0x12, 0x34, 0x81}},
      {"a query, not a response", [] {
         Bytes b = message(0, "example.test", kA, {});
         b[2] &= 0x7F;
         return b;
       }()},
      {"A rdata of 5 octets",
       message(0, "mx.example.test", kA, {{"mx.example.test", kA, 60, {1, 2, 3, 4, 5}}})},
      {"TXT string longer than its rdata",
       message(0, "t.example.test", kTxt, {{"t.example.test", kTxt, 60, {5, 'a', 'b'}}}),
       "t.example.test", RecordType::txt},
      {"empty TXT rdata", message(0, "t.example.test", kTxt, {{"t.example.test", kTxt, 60, {}}}),
       "t.example.test", RecordType::txt},
      {"MX rdata with trailing garbage",
       message(0, "example.test", kMx, {{"example.test", kMx, 60, [] {
                                           Bytes r = mx_rdata(1, "mx.example.test");
                                           r.push_back(7);
                                           return r;
                                         }()}}),
       "example.test", RecordType::mx},
      {"forward compression pointer", forward, "example.test"},
      {"CNAME chain of 20 links", self_loop, "c0.test", RecordType::txt},
      {"TLSA rdata of 2 octets (RFC 6698 §2.1: usage, selector, matching type first)",
       message(0, "_25._tcp.mx.example.test", kTlsa,
               {{"_25._tcp.mx.example.test", kTlsa, 60, {3, 1}}}),
       "_25._tcp.mx.example.test", RecordType::tlsa},
      {"empty TLSA rdata",
       message(0, "_25._tcp.mx.example.test", kTlsa, {{"_25._tcp.mx.example.test", kTlsa, 60, {}}}),
       "_25._tcp.mx.example.test", RecordType::tlsa},
      {"TLSA rdata running past the message", [] {
         Bytes b = message(0, "_25._tcp.mx.example.test", kTlsa,
                           {{"_25._tcp.mx.example.test", kTlsa, 60, {3, 1, 1, 0xAA}}});
         b[b.size() - 5] = 40;  // RDLENGTH low octet: 40 octets announced, 4 present
         return b;
       }(), "_25._tcp.mx.example.test", RecordType::tlsa},
      {"ANCOUNT larger than the records", [] {
         Bytes b = message(0, "example.test", kA, {});
         b[7] = 3;
         return b;
       }()},
  };
  for (const BadRow& row : rows) {
    SCOPED_TRACE(row.name);
    auto decoded = decode_response(row.bytes, row.qname, row.qtype);
    EXPECT_FALSE(decoded.ok());
    if (!decoded.ok()) {
      EXPECT_FALSE(decoded.error().message.empty());
    }
  }
}

Bytes with_ad(Bytes b) {
  b[3] |= 0x20;  // AD (RFC 4035 §3.2.3)
  return b;
}

TEST(DnsMessage, TlsaRecordsKeepEveryField) {
  const Bytes sha256(32, 0x5A);
  Bytes r1 = {3, 1, 1};
  r1.insert(r1.end(), sha256.begin(), sha256.end());
  const Bytes bytes = message(0, "_25._tcp.mx.example.test", kTlsa,
                              {{"_25._tcp.mx.example.test", kTlsa, 300, r1},
                               {"_25._tcp.mx.example.test", kTlsa, 300, {2, 0, 1, 0x01}},
                               {"_25._tcp.mx.example.test", kTlsa, 300, {255, 7, 9}}});
  auto decoded = decode_response(bytes, "_25._tcp.mx.example.test", RecordType::tlsa);
  ASSERT_TRUE(decoded.ok()) << decoded.error().message;
  const auto result = to_result<TlsaRecord>(interpret(*decoded));
  // Unknown and unusable values and short data are kept as published: usability is decided by
  // sts/tlsa_match, and "3 octets, no data" is a record that can never match, not a bad answer.
  ASSERT_EQ(result.records.size(), 3u);
  EXPECT_EQ(result.records[0], (TlsaRecord{3, 1, 1, sha256}));
  EXPECT_EQ(result.records[1], (TlsaRecord{2, 0, 1, {0x01}}));
  EXPECT_EQ(result.records[2], (TlsaRecord{255, 7, 9, {}}));
}

struct AdRow {
  const char* name;
  Bytes bytes;
  RecordType qtype;
  DnsStatus status;
  DnssecStatus dnssec;
};

// What the AD bit means together with the RCODE (RFC 4035 §3.2.3, RFC 6840 §5.7/§5.8).
TEST(DnsMessage, DnssecStatusFromAdBitAndRcode) {
  const std::string q = "_25._tcp.mx.example.test";
  const Rr tlsa{q, kTlsa, 300, {3, 1, 1, 0xAA}};
  const Rr soa{"example.test", kSoa, 300, soa_rdata(60)};
  const std::vector<AdRow> rows = {
      {"answer with AD: secure", with_ad(message(0, q, kTlsa, {tlsa})), RecordType::tlsa,
       DnsStatus::answer, DnssecStatus::secure},
      {"answer without AD: insecure", message(0, q, kTlsa, {tlsa}), RecordType::tlsa,
       DnsStatus::answer, DnssecStatus::insecure},
      {"NODATA with AD: secure denial of existence",
       with_ad(message(0, q, kTlsa, {}, {soa})), RecordType::tlsa, DnsStatus::nodata,
       DnssecStatus::secure},
      {"NODATA without AD: insecure", message(0, q, kTlsa, {}, {soa}), RecordType::tlsa,
       DnsStatus::nodata, DnssecStatus::insecure},
      {"NXDOMAIN with AD: secure", with_ad(message(3, q, kTlsa, {}, {soa})), RecordType::tlsa,
       DnsStatus::nxdomain, DnssecStatus::secure},
      {"NXDOMAIN without AD: insecure", message(3, q, kTlsa, {}, {soa}), RecordType::tlsa,
       DnsStatus::nxdomain, DnssecStatus::insecure},
      {"SERVFAIL (bogus or unreachable): indeterminate", message(2, q, kTlsa, {}),
       RecordType::tlsa, DnsStatus::temporary, DnssecStatus::indeterminate},
      {"SERVFAIL with AD set anyway: still indeterminate", with_ad(message(2, q, kTlsa, {})),
       RecordType::tlsa, DnsStatus::temporary, DnssecStatus::indeterminate},
      {"REFUSED with AD: indeterminate", with_ad(message(5, q, kTlsa, {})), RecordType::tlsa,
       DnsStatus::temporary, DnssecStatus::indeterminate},
      {"FORMERR: indeterminate", message(1, q, kTlsa, {}), RecordType::tlsa,
       DnsStatus::temporary, DnssecStatus::indeterminate},
      {"unknown RCODE 9 with AD: indeterminate", with_ad(message(9, q, kTlsa, {})),
       RecordType::tlsa, DnsStatus::temporary, DnssecStatus::indeterminate},
      {"CNAME chain with AD: the one bit covers every link",
       with_ad(message(0, "mx.alias.test", kA,
                       {{"mx.alias.test", kCname, 300, name("mx.example.test")},
                        {"mx.example.test", kA, 300, {192, 0, 2, 1}}})),
       RecordType::a, DnsStatus::answer, DnssecStatus::secure},
      {"CNAME chain without AD: insecure",
       message(0, "mx.alias.test", kA,
               {{"mx.alias.test", kCname, 300, name("mx.example.test")},
                {"mx.example.test", kA, 300, {192, 0, 2, 1}}}),
       RecordType::a, DnsStatus::answer, DnssecStatus::insecure},
      {"truncated with AD: not the whole answer, insecure", [&] {
         Bytes b = with_ad(message(0, q, kTlsa, {tlsa}));
         b[2] |= 0x02;  // TC
         return b;
       }(), RecordType::tlsa, DnsStatus::answer, DnssecStatus::insecure},
  };
  for (const AdRow& row : rows) {
    SCOPED_TRACE(row.name);
    const std::string qname = row.qtype == RecordType::a ? "mx.alias.test" : q;
    auto decoded = decode_response(row.bytes, qname, row.qtype);
    ASSERT_TRUE(decoded.ok()) << decoded.error().message;
    const DnsAnswer a = interpret(*decoded);
    EXPECT_EQ(a.status, row.status) << a.reason;
    EXPECT_EQ(a.dnssec(), row.dnssec);
    EXPECT_EQ(to_result<TlsaRecord>(a).dnssec(),
              row.status == DnsStatus::temporary ? DnssecStatus::indeterminate : row.dnssec);
    EXPECT_EQ(to_result<IpAddress>(a).authenticated, a.authenticated);
  }
}

TEST(DnsMessage, DnssecStatusNames) {
  EXPECT_EQ(to_string(DnssecStatus::secure), "secure");
  EXPECT_EQ(to_string(DnssecStatus::insecure), "insecure");
  EXPECT_EQ(to_string(DnssecStatus::indeterminate), "indeterminate");
  EXPECT_EQ(dnssec_status(DnsStatus::temporary, true), DnssecStatus::indeterminate);
  EXPECT_EQ(DnsResult<MxRecord>{}.dnssec(), DnssecStatus::indeterminate)
      << "a default result is a failure, never secure";
}

TEST(DnsMessage, EncodesQueriesWithAdAndDo) {
  auto q = encode_query("_25._tcp.MX.example.test.", RecordType::tlsa, 0xBEEF);
  ASSERT_TRUE(q.ok()) << q.error().message;
  Bytes want = {0xBE, 0xEF,  // id
                0x01, 0x20,  // RD (RFC 1035 §4.1.1) and AD (RFC 6840 §5.7)
                0, 1, 0, 0, 0, 0, 0, 1};
  const Bytes n = name("_25._tcp.MX.example.test");  // case kept as given: 0x20 is the server's
  want.insert(want.end(), n.begin(), n.end());
  put16(want, kTlsa);
  put16(want, 1);
  // OPT (RFC 6891 §6.1.2): root, type 41, payload 1232, ext-RCODE 0, version 0, DO (RFC 3225).
  const Bytes opt = {0, 0, 41, 0x04, 0xD0, 0, 0, 0x80, 0, 0, 0};
  want.insert(want.end(), opt.begin(), opt.end());
  EXPECT_EQ(*q, want);
}

struct EncodeRow {
  const char* name;
  std::string qname;
  bool ok;
  Bytes wire_name = {};
};

TEST(DnsMessage, EncodesNamesInPresentationForm) {
  const std::string label63(63, 'a');
  const std::string label64(64, 'a');
  std::string long_name;
  for (int i = 0; i < 4; ++i) long_name += label63 + ".";
  const std::vector<EncodeRow> rows = {
      {"plain", "example.test", true, name("example.test")},
      {"trailing dot", "example.test.", true, name("example.test")},
      {"root", ".", true, {0}},
      {"escaped dot stays in its label", "a\\.b.test", true,
       {3, 'a', '.', 'b', 4, 't', 'e', 's', 't', 0}},
      {"\\DDD octet", "a\\032b.test", true, {3, 'a', ' ', 'b', 4, 't', 'e', 's', 't', 0}},
      {"escaped backslash", "a\\\\.test", true, {2, 'a', '\\', 4, 't', 'e', 's', 't', 0}},
      {"63-octet label", label63 + ".test", true, name(label63 + ".test")},
      {"64-octet label", label64 + ".test", false},
      {"empty label", "a..test", false},
      {"leading dot", ".test", false},
      {"name over 255 octets", long_name + "test", false},
      {"backslash at the end", "test\\", false},
      {"\\DD with two digits", "a\\03", false},
      {"\\DDD above 255", "a\\256.test", false},
  };
  for (const EncodeRow& row : rows) {
    SCOPED_TRACE(row.name);
    auto q = encode_query(row.qname, RecordType::a, 1);
    ASSERT_EQ(q.ok(), row.ok);
    if (!row.ok) {
      EXPECT_FALSE(q.error().message.empty());
      continue;
    }
    const Bytes got(q->begin() + 12, q->end() - 4 - 11);
    EXPECT_EQ(got, row.wire_name);
  }
}

TEST(DnsMessage, EveryPrefixOfAMessageIsHandled) {
  const Bytes full = message(0, "_mta-sts.alias.test", kTxt,
                             {{"_mta-sts.alias.test", kCname, 20, name("_mta-sts.example.test")},
                              {"_mta-sts.example.test", kTxt, 300, txt_rdata({"a", "b"})}},
                             {{"example.test", kSoa, 900, soa_rdata(60)}});
  for (std::size_t n = 0; n < full.size(); ++n) {
    SCOPED_TRACE(n);
    const Bytes prefix(full.begin(), full.begin() + static_cast<long>(n));
    EXPECT_FALSE(decode_response(prefix, "_mta-sts.alias.test", RecordType::txt).ok());
  }
  EXPECT_TRUE(decode_response(full, "_mta-sts.alias.test", RecordType::txt).ok());
}

}  // namespace
}  // namespace stsrelay::net
