// The DNS cache: TTLs (capped), negative caching after RFC 2308 §5, LRU bound.
#include "src/net/dns_cache.hpp"

#include <gtest/gtest.h>

namespace stsrelay::net {
namespace {

using std::chrono::seconds;

DnsAnswer make(DnsStatus status, std::uint32_t ttl) {
  DnsAnswer a;
  a.status = status;
  a.ttl = ttl;
  if (status == DnsStatus::answer) a.records.push_back(MxRecord{10, "mx.example.test"});
  return a;
}

struct Row {
  const char* name;
  DnsAnswer answer;
  bool stored;
  std::int64_t lives;  // seconds until it expires, when stored
};

TEST(DnsCache, WhatIsStoredAndForHowLong) {
  const DnsCacheLimits limits{100, seconds(3600), seconds(300)};
  const std::vector<Row> rows = {
      {"answer lives its TTL", make(DnsStatus::answer, 120), true, 120},
      {"answer TTL capped at max_ttl", make(DnsStatus::answer, 86400), true, 3600},
      {"TTL 0 is not cached (RFC 1035 §3.2.1)", make(DnsStatus::answer, 0), false, 0},
      {"nodata lives the SOA-derived TTL", make(DnsStatus::nodata, 60), true, 60},
      {"nxdomain capped at max_negative_ttl", make(DnsStatus::nxdomain, 86400), true, 300},
      {"negative without SOA (ttl 0) is not cached", make(DnsStatus::nxdomain, 0), false, 0},
      {"temporary failures are not cached", make(DnsStatus::temporary, 600), false, 0},
  };
  for (const Row& row : rows) {
    SCOPED_TRACE(row.name);
    DnsCache cache(limits);
    const core::SysTime t0 = core::from_unix(1'800'000'000);
    EXPECT_EQ(cache.store("example.test", RecordType::mx, row.answer, t0), row.stored);
    if (!row.stored) {
      EXPECT_FALSE(cache.lookup("example.test", RecordType::mx, t0).has_value());
      continue;
    }
    auto hit = cache.lookup("example.test", RecordType::mx, t0 + seconds(row.lives - 1));
    ASSERT_TRUE(hit.has_value());
    EXPECT_EQ(hit->status, row.answer.status);
    EXPECT_EQ(hit->records, row.answer.records);
    EXPECT_EQ(hit->ttl, 1u) << "remaining TTL is handed out";
    EXPECT_FALSE(cache.lookup("example.test", RecordType::mx, t0 + seconds(row.lives)));
    EXPECT_EQ(cache.size(), 0u) << "expired entries are dropped";
  }
}

TEST(DnsCache, KeyIsNameAndTypeCaseInsensitive) {
  DnsCache cache({});
  const core::SysTime t0 = core::from_unix(1'800'000'000);
  ASSERT_TRUE(cache.store("Example.Test.", RecordType::mx, make(DnsStatus::answer, 60), t0));
  EXPECT_TRUE(cache.lookup("example.test", RecordType::mx, t0).has_value());
  EXPECT_FALSE(cache.lookup("example.test", RecordType::txt, t0).has_value());
  EXPECT_FALSE(cache.lookup("other.test", RecordType::mx, t0).has_value());
}

TEST(DnsCache, DropsLeastRecentlyUsed) {
  DnsCache cache({2, seconds(3600), seconds(300)});
  const core::SysTime t0 = core::from_unix(1'800'000'000);
  ASSERT_TRUE(cache.store("a.test", RecordType::a, make(DnsStatus::answer, 60), t0));
  ASSERT_TRUE(cache.store("b.test", RecordType::a, make(DnsStatus::answer, 60), t0));
  ASSERT_TRUE(cache.lookup("a.test", RecordType::a, t0));  // a is now the most recent
  ASSERT_TRUE(cache.store("c.test", RecordType::a, make(DnsStatus::answer, 60), t0));
  EXPECT_EQ(cache.size(), 2u);
  EXPECT_TRUE(cache.lookup("a.test", RecordType::a, t0));
  EXPECT_FALSE(cache.lookup("b.test", RecordType::a, t0));
  EXPECT_TRUE(cache.lookup("c.test", RecordType::a, t0));
  // Storing a key again replaces it rather than adding an entry.
  ASSERT_TRUE(cache.store("c.test", RecordType::a, make(DnsStatus::nodata, 30), t0));
  EXPECT_EQ(cache.size(), 2u);
  EXPECT_EQ(cache.lookup("c.test", RecordType::a, t0)->status, DnsStatus::nodata);
}

}  // namespace
}  // namespace stsrelay::net

namespace stsrelay::net {
namespace {

// DANE trusts a cached TLSA RRset exactly as far as the response it came from (RFC 7672 §2.1).
TEST(DnsCache, KeepsTheDnssecStatusWithTheRecords) {
  DnsCache cache({});
  const core::SysTime t0 = core::from_unix(1'800'000'000);
  DnsAnswer secure;
  secure.status = DnsStatus::answer;
  secure.ttl = 60;
  secure.authenticated = true;
  secure.records.push_back(TlsaRecord{3, 1, 1, std::vector<std::uint8_t>(32, 0xAB)});
  DnsAnswer insecure_nx;
  insecure_nx.status = DnsStatus::nxdomain;
  insecure_nx.ttl = 60;
  DnsAnswer secure_nodata = insecure_nx;
  secure_nodata.status = DnsStatus::nodata;
  secure_nodata.authenticated = true;
  ASSERT_TRUE(cache.store("_25._tcp.a.test", RecordType::tlsa, secure, t0));
  ASSERT_TRUE(cache.store("_25._tcp.b.test", RecordType::tlsa, insecure_nx, t0));
  ASSERT_TRUE(cache.store("_25._tcp.c.test", RecordType::tlsa, secure_nodata, t0));
  const auto a = cache.lookup("_25._tcp.a.test", RecordType::tlsa, t0 + seconds(10));
  const auto b = cache.lookup("_25._tcp.b.test", RecordType::tlsa, t0 + seconds(10));
  const auto c = cache.lookup("_25._tcp.c.test", RecordType::tlsa, t0 + seconds(10));
  ASSERT_TRUE(a && b && c);
  EXPECT_EQ(a->dnssec(), DnssecStatus::secure);
  EXPECT_EQ(a->records, secure.records);
  EXPECT_EQ(b->dnssec(), DnssecStatus::insecure);
  EXPECT_EQ(c->dnssec(), DnssecStatus::secure);
  EXPECT_EQ(to_result<TlsaRecord>(*a).dnssec(), DnssecStatus::secure);
}

}  // namespace
}  // namespace stsrelay::net
