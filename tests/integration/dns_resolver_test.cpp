// The c-ares resolver against a real DNS server (dns_server.py), inside a private network
// namespace: run by dns_resolver_run, which starts the server and sets
//   STSRELAY_TEST_DNS      "127.0.0.53:53"   (also named by the resolv.conf test)
//   STSRELAY_TEST_DNS_ALT  "127.0.0.54:5353" (the same zone on another port)
#include <gtest/gtest.h>

#include <chrono>
#include <cstdlib>
#include <fstream>
#include <optional>
#include <set>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/use_awaitable.hpp>

#include "fake_clock.hpp"
#include "src/net/await_callback.hpp"
#include "src/net/dns_cares_resolver.hpp"
#include "src/net/mx_targets.hpp"

namespace stsrelay::net {
namespace {

namespace asio = boost::asio;
using namespace std::chrono_literals;

std::string env(const char* name) {
  const char* v = std::getenv(name);
  return v ? v : "";
}

DnsServer server_from_env(const char* name) {
  auto s = parse_dns_server(env(name));
  if (!s) throw std::runtime_error(std::string(name) + ": " + s.error().message);
  return *s;
}

// What a result says, as comparable text.
struct Seen {
  DnsStatus status = DnsStatus::temporary;
  std::vector<std::string> records;
  std::string reason;
  std::string canonical;
  DnssecStatus dnssec = DnssecStatus::indeterminate;
};

std::string text(const IpAddress& a) { return a.to_string(); }
std::string text(const MxRecord& m) { return std::to_string(m.preference) + " " + m.host; }
std::string text(const TlsaRecord& t) {
  return std::to_string(t.usage) + " " + std::to_string(t.selector) + " " +
         std::to_string(t.matching_type) + " " + std::to_string(t.data.size());
}
std::string text(const TxtRecord& t) {
  std::string s = "[";
  for (std::size_t i = 0; i < t.size(); ++i) s += (i ? "|" : "") + t[i];
  return s + "]";
}

class ResolverTest : public ::testing::Test {
 protected:
  ResolverSettings settings(std::vector<DnsServer> servers = {server_from_env("STSRELAY_TEST_DNS")}) {
    ResolverSettings s;
    s.servers = std::move(servers);
    s.timeout = 500ms;
    s.tries = 2;
    return s;
  }
  void make(ResolverSettings s) {
    auto r = CaresResolver::create(io_.get_executor(), std::move(s), clock_);
    ASSERT_TRUE(r.ok()) << r.error().message;
    resolver_ = std::move(*r);
  }
  // Runs the io_context until `done()` holds, at most 10 s.
  template <class Pred>
  bool run_until(Pred done) {
    const auto deadline = std::chrono::steady_clock::now() + 10s;
    while (!done() && std::chrono::steady_clock::now() < deadline) {
      // An io_context that ran out of work stops; a later query gives it work again.
      if (io_.stopped()) io_.restart();
      io_.run_one_for(100ms);
    }
    return done();
  }
  template <class T>
  Seen ask(void (Resolver::*start)(std::string, Resolver::Callback<T>), std::string name) {
    std::optional<DnsResult<T>> got;
    (resolver_.get()->*start)(std::move(name), [&](DnsResult<T> r) { got = std::move(r); });
    EXPECT_TRUE(run_until([&] { return got.has_value(); })) << "no answer within 10 s";
    Seen seen;
    if (!got) return seen;
    seen.status = got->status;
    for (const T& r : got->records) seen.records.push_back(text(r));
    seen.reason = got->reason;
    seen.canonical = got->canonical_name;
    seen.dnssec = got->dnssec();
    return seen;
  }
  Seen ask_any(RecordType type, const std::string& name) {
    switch (type) {
      case RecordType::a: return ask<IpAddress>(&Resolver::resolve_a, name);
      case RecordType::aaaa: return ask<IpAddress>(&Resolver::resolve_aaaa, name);
      case RecordType::mx: return ask<MxRecord>(&Resolver::resolve_mx, name);
      case RecordType::txt: return ask<TxtRecord>(&Resolver::resolve_txt, name);
      case RecordType::tlsa: return ask<TlsaRecord>(&Resolver::resolve_tlsa, name);
      default: ADD_FAILURE() << "type not asked"; return {};
    }
  }
  DeliveryRoute route(const std::string& domain) {
    std::optional<DeliveryRoute> got;
    asio::co_spawn(io_, resolve_delivery_targets(*resolver_, domain),
                   [&](std::exception_ptr e, DeliveryRoute r) {
                     if (e) std::rethrow_exception(e);
                     got = std::move(r);
                   });
    EXPECT_TRUE(run_until([&] { return got.has_value(); }));
    return got.value_or(DeliveryRoute{});
  }

  asio::io_context io_;
  testing::FakeClock clock_;
  std::unique_ptr<CaresResolver> resolver_;
};

struct Row {
  const char* name;
  RecordType type;
  std::string qname;
  DnsStatus status;
  std::vector<std::string> records = {};
  std::string reason_has = {};
  std::string canonical = {};
};

TEST_F(ResolverTest, AnswersOfEveryKind) {
  make(settings());
  const std::string big(200, 'x');
  const std::vector<Row> rows = {
      {"MX with equal preferences", RecordType::mx, "example.test", DnsStatus::answer,
       {"10 mx1.example.test", "10 mx2.example.test", "20 mx3.example.test"}},
      {"null MX", RecordType::mx, "nullmx.example.test", DnsStatus::answer, {"0 ."}},
      {"no MX: NODATA", RecordType::mx, "implicit.example.test", DnsStatus::nodata},
      {"MX through a CNAME", RecordType::mx, "mxalias.example.test", DnsStatus::answer,
       {"10 mx1.example.test", "10 mx2.example.test", "20 mx3.example.test"}, "",
       "example.test"},
      {"MX target written as an IP address", RecordType::mx, "iplit.example.test",
       DnsStatus::answer, {"10 192.0.2.25"}},
      {"A, two records", RecordType::a, "mx2.example.test", DnsStatus::answer,
       {"192.0.2.2", "192.0.2.22"}},
      {"AAAA", RecordType::aaaa, "mx1.example.test", DnsStatus::answer, {"2001:db8::1"}},
      {"AAAA NODATA", RecordType::aaaa, "mx2.example.test", DnsStatus::nodata},
      {"NXDOMAIN", RecordType::a, "nx.example.test", DnsStatus::nxdomain},
      {"name in upper case", RecordType::a, "MX2.EXAMPLE.TEST.", DnsStatus::answer,
       {"192.0.2.2", "192.0.2.22"}},
      {"TXT, one string", RecordType::txt, "txt.example.test", DnsStatus::answer,
       {"[single string]"}},
      {"TXT, several strings and records", RecordType::txt, "multi.example.test",
       DnsStatus::answer, {"[v=spf1 |include:a.test |-all]", "[second record]"}},
      {"CNAME -> TXT", RecordType::txt, "_mta-sts.alias.example.test", DnsStatus::answer,
       {"[v=STSv1; id=20240101T000000]"}, "", "_mta-sts.example.test"},
      {"CNAME into another zone, asked again at the target", RecordType::txt,
       "out.example.test", DnsStatus::answer, {"[from the other zone]"}, "", "target.other.test"},
      {"TXT larger than UDP: TC, then TCP", RecordType::txt, "big.example.test",
       DnsStatus::answer,
       {"[" + big + "0|" + big + "1|" + big + "2|" + big + "3|" + big + "4|" + big + "5|" +
        big + "6|" + big + "7]"}},
      {"SERVFAIL", RecordType::a, "servfail.example.test", DnsStatus::temporary, {}, "SERVFAIL"},
      {"REFUSED", RecordType::txt, "refused.example.test", DnsStatus::temporary, {}, "REFUSED"},
      {"invalid name is never sent", RecordType::mx, "a..example.test", DnsStatus::nxdomain, {},
       "not a valid DNS name"},
  };
  for (const Row& row : rows) {
    SCOPED_TRACE(row.name);
    const Seen seen = ask_any(row.type, row.qname);
    EXPECT_EQ(seen.status, row.status) << seen.reason;
    std::multiset<std::string> got(seen.records.begin(), seen.records.end());
    std::multiset<std::string> want(row.records.begin(), row.records.end());
    EXPECT_EQ(got, want);
    if (!row.reason_has.empty()) {
      EXPECT_NE(seen.reason.find(row.reason_has), std::string::npos) << seen.reason;
    }
    if (!row.canonical.empty()) {
      EXPECT_EQ(seen.canonical, row.canonical);
    }
  }
}

struct DnssecRow {
  const char* name;
  RecordType type;
  std::string qname;
  DnsStatus status;
  DnssecStatus dnssec;
  std::vector<std::string> records = {};
};

// The AD bit of real responses (dns_server.py sets it for signed.test only when the query had
// AD=1 and DO, RFC 6840 §5.7), through c-ares, the decoder and the cache.
TEST_F(ResolverTest, DnssecStatusFromTheAdBit) {
  make(settings());
  const std::vector<DnssecRow> rows = {
      {"TLSA in the signed zone: secure", RecordType::tlsa, "_25._tcp.mx.signed.test",
       DnsStatus::answer, DnssecStatus::secure, {"3 1 1 32", "2 0 1 32"}},
      {"the same again, from the cache: still secure", RecordType::tlsa,
       "_25._tcp.mx.signed.test", DnsStatus::answer, DnssecStatus::secure,
       {"3 1 1 32", "2 0 1 32"}},
      {"TLSA in an unsigned zone: insecure", RecordType::tlsa, "_25._tcp.mx1.example.test",
       DnsStatus::answer, DnssecStatus::insecure, {"3 1 1 32"}},
      {"MX and A in the signed zone", RecordType::mx, "signed.test", DnsStatus::answer,
       DnssecStatus::secure, {"10 mx.signed.test"}},
      {"A in the signed zone", RecordType::a, "mx.signed.test", DnsStatus::answer,
       DnssecStatus::secure, {"192.0.2.60"}},
      {"NODATA in the signed zone: secure denial", RecordType::aaaa, "mx.signed.test",
       DnsStatus::nodata, DnssecStatus::secure},
      {"no TLSA in the signed zone: secure NXDOMAIN", RecordType::tlsa,
       "_25._tcp.none.signed.test", DnsStatus::nxdomain, DnssecStatus::secure},
      {"NXDOMAIN in an unsigned zone: insecure", RecordType::tlsa, "_25._tcp.nx.example.test",
       DnsStatus::nxdomain, DnssecStatus::insecure},
      {"SERVFAIL with AD: indeterminate, never secure", RecordType::tlsa, "bogus.signed.test",
       DnsStatus::temporary, DnssecStatus::indeterminate},
      {"CNAME inside the signed zone: secure", RecordType::tlsa, "_25._tcp.alias.signed.test",
       DnsStatus::answer, DnssecStatus::secure, {"3 1 1 32", "2 0 1 32"}},
      {"CNAME out of the signed zone, re-asked: insecure", RecordType::tlsa,
       "_25._tcp.out.signed.test", DnsStatus::answer, DnssecStatus::insecure, {"3 1 1 32"}},
      {"CNAME into the signed zone from an unsigned one: insecure", RecordType::tlsa,
       "_25._tcp.into.example.test", DnsStatus::answer, DnssecStatus::insecure,
       {"3 1 1 32", "2 0 1 32"}},
  };
  for (const DnssecRow& row : rows) {
    SCOPED_TRACE(row.name);
    const Seen seen = ask_any(row.type, row.qname);
    EXPECT_EQ(seen.status, row.status) << seen.reason;
    EXPECT_EQ(seen.dnssec, row.dnssec) << to_string(seen.dnssec);
    std::multiset<std::string> got(seen.records.begin(), seen.records.end());
    std::multiset<std::string> want(row.records.begin(), row.records.end());
    EXPECT_EQ(got, want);
  }
}

TEST_F(ResolverTest, NameThatIsNeverAnsweredTimesOut) {
  auto s = settings();
  s.timeout = 200ms;
  s.tries = 1;
  make(s);
  const Seen seen = ask<IpAddress>(&Resolver::resolve_a, "timeout.example.test");
  EXPECT_EQ(seen.status, DnsStatus::temporary);
  EXPECT_NE(seen.reason.find("timeout"), std::string::npos) << seen.reason;
}

TEST_F(ResolverTest, ServerDownIsTemporary) {
  make(settings({*parse_dns_server("127.0.0.99:53")}));
  const Seen seen = ask<MxRecord>(&Resolver::resolve_mx, "example.test");
  EXPECT_EQ(seen.status, DnsStatus::temporary) << seen.reason;
  EXPECT_FALSE(seen.reason.empty());
}

TEST_F(ResolverTest, ServerOnAnotherPort) {
  make(settings({server_from_env("STSRELAY_TEST_DNS_ALT")}));
  const Seen seen = ask<IpAddress>(&Resolver::resolve_aaaa, "mx3.example.test");
  EXPECT_EQ(seen.status, DnsStatus::answer) << seen.reason;
  EXPECT_EQ(seen.records, std::vector<std::string>{"2001:db8::3"});
}

TEST_F(ResolverTest, ServersFromResolvConf) {
  const DnsServer server = server_from_env("STSRELAY_TEST_DNS");
  ASSERT_EQ(server.port, kDnsPort) << "resolv.conf names servers on port 53 only";
  const std::string path = ::testing::TempDir() + "stsrelay_resolv.conf";
  std::ofstream(path) << "nameserver " << server.address.to_string() << "\n";
  auto s = settings({});
  s.resolv_conf = path;
  make(s);
  const Seen seen = ask<TxtRecord>(&Resolver::resolve_txt, "txt.example.test");
  EXPECT_EQ(seen.status, DnsStatus::answer) << seen.reason;
  EXPECT_EQ(seen.records, std::vector<std::string>{"[single string]"});
}

TEST_F(ResolverTest, CacheHonoursTtlAndNegativeAnswers) {
  make(settings());
  // short.example.test has TTL 1: cached for one second of the injected clock.
  EXPECT_EQ(ask<IpAddress>(&Resolver::resolve_a, "short.example.test").status, DnsStatus::answer);
  EXPECT_EQ(ask<IpAddress>(&Resolver::resolve_a, "short.example.test").status, DnsStatus::answer);
  EXPECT_EQ(resolver_->stats().queries_sent, 1u);
  EXPECT_EQ(resolver_->stats().cache_hits, 1u);
  clock_.advance(2s);
  EXPECT_EQ(ask<IpAddress>(&Resolver::resolve_a, "short.example.test").status, DnsStatus::answer);
  EXPECT_EQ(resolver_->stats().queries_sent, 2u);

  // NXDOMAIN with an SOA: cached (RFC 2308); SERVFAIL: asked again.
  EXPECT_EQ(ask<IpAddress>(&Resolver::resolve_a, "nx.example.test").status, DnsStatus::nxdomain);
  EXPECT_EQ(ask<IpAddress>(&Resolver::resolve_a, "nx.example.test").status, DnsStatus::nxdomain);
  EXPECT_EQ(resolver_->stats().queries_sent, 3u);
  EXPECT_EQ(ask<IpAddress>(&Resolver::resolve_a, "servfail.example.test").status,
            DnsStatus::temporary);
  EXPECT_EQ(ask<IpAddress>(&Resolver::resolve_a, "servfail.example.test").status,
            DnsStatus::temporary);
  EXPECT_GE(resolver_->stats().queries_sent, 5u);
}

TEST_F(ResolverTest, IdenticalQueriesInFlightShareOne) {
  make(settings());
  int answered = 0;
  for (int i = 0; i < 2; ++i) {
    resolver_->resolve_mx("example.test", [&](DnsResult<MxRecord> r) {
      EXPECT_EQ(r.records.size(), 3u);
      ++answered;
    });
  }
  ASSERT_TRUE(run_until([&] { return answered == 2; }));
  EXPECT_EQ(resolver_->stats().queries_sent, 1u);
  EXPECT_EQ(resolver_->stats().coalesced, 1u);
}

TEST_F(ResolverTest, ManyQueriesAtOnce) {
  make(settings());
  constexpr int kQueries = 200;
  int nx = 0, ok = 0;
  for (int i = 0; i < kQueries; ++i) {
    resolver_->resolve_a("h" + std::to_string(i) + ".example.test",
                         [&](DnsResult<IpAddress> r) { nx += r.status == DnsStatus::nxdomain; });
    resolver_->resolve_txt("multi.example.test",
                           [&](DnsResult<TxtRecord> r) { ok += r.records.size() == 2; });
  }
  ASSERT_TRUE(run_until([&] { return nx + ok == 2 * kQueries; })) << nx << " " << ok;
}

TEST_F(ResolverTest, ClosingCompletesOutstandingQueries) {
  make(settings());
  std::optional<DnsResult<IpAddress>> got;
  resolver_->resolve_a("timeout.example.test", [&](DnsResult<IpAddress> r) { got = r; });
  ASSERT_TRUE(run_until([&] { return resolver_->stats().queries_sent == 1; }));
  resolver_.reset();
  ASSERT_TRUE(got.has_value());
  EXPECT_EQ(got->status, DnsStatus::temporary);
  EXPECT_EQ(got->reason, "resolver closed");
}

TEST_F(ResolverTest, AwaitableAdapter) {
  make(settings());
  std::optional<DnsResult<TxtRecord>> got;
  asio::co_spawn(
      io_,
      [&]() -> asio::awaitable<void> {
        got = co_await await_call(*resolver_, &Resolver::resolve_txt, "_mta-sts.example.test");
      },
      asio::detached);
  ASSERT_TRUE(run_until([&] { return got.has_value(); }));
  ASSERT_EQ(got->records.size(), 1u);
  EXPECT_EQ(got->records[0], (TxtRecord{"v=STSv1; id=20240101T000000"}));
}

struct RouteRow {
  const char* name;
  std::string domain;
  std::vector<std::string> targets;  // "host pref: addresses", in order; empty: a failure
  std::string dsn = {};
};

TEST_F(ResolverTest, DeliveryTargets) {
  make(settings());
  const std::vector<RouteRow> rows = {
      {"implicit MX", "implicit.example.test",
       {"implicit.example.test 0: 2001:db8::40 192.0.2.40"}},
      {"null MX", "nullmx.example.test", {}, "5.1.10"},
      {"NXDOMAIN", "nx.example.test", {}, "5.1.2"},
      {"SERVFAIL", "servfail.example.test", {}, "4.4.3"},
      {"MX target is an IP address", "iplit.example.test", {}, "5.4.4"},
  };
  for (const RouteRow& row : rows) {
    SCOPED_TRACE(row.name);
    const DeliveryRoute r = route(row.domain);
    std::vector<std::string> got;
    for (const DeliveryTarget& t : r.targets) {
      std::string line = t.host + " " + std::to_string(t.preference) + ":";
      for (const IpAddress& a : t.addresses) line += " " + a.to_string();
      got.push_back(line);
    }
    EXPECT_EQ(got, row.targets);
    if (!row.dsn.empty()) {
      ASSERT_FALSE(r.ok());
      EXPECT_EQ(r.failure->dsn, row.dsn) << r.failure->text;
    }
  }

  // Equal preferences come in both orders over repeated resolutions; mx3 always last.
  std::set<std::string> firsts;
  for (int i = 0; i < 64 && firsts.size() < 2; ++i) {
    const DeliveryRoute r = route("example.test");
    ASSERT_TRUE(r.ok());
    ASSERT_EQ(r.targets.size(), 3u);
    firsts.insert(r.targets[0].host);
    EXPECT_EQ(r.targets[2].host, "mx3.example.test");
    for (const DeliveryTarget& t : r.targets) {
      if (t.host == "mx1.example.test") {
        EXPECT_EQ(t.addresses.size(), 2u);
        EXPECT_EQ(t.addresses[0].family, IpFamily::v6) << "IPv6 first";
      }
    }
  }
  EXPECT_EQ(firsts, (std::set<std::string>{"mx1.example.test", "mx2.example.test"}));
}

}  // namespace
}  // namespace stsrelay::net

int main(int argc, char** argv) {
  ::testing::InitGoogleTest(&argc, argv);
  if (std::getenv("STSRELAY_TEST_DNS") == nullptr || std::getenv("STSRELAY_TEST_DNS_ALT") == nullptr) {
    std::fprintf(stderr,
                 "dns_resolver_test: run it through tests/integration/dns_resolver_run, which "
                 "starts the DNS server and sets STSRELAY_TEST_DNS and STSRELAY_TEST_DNS_ALT\n");
    return 2;
  }
  return RUN_ALL_TESTS();
}
