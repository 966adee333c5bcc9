// What `stsrelay policy list|show|refresh` print.
#include "src/app/cli/policy_format.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "sts/policy_parser.hpp"

namespace stsrelay::app {
namespace {

using namespace std::chrono_literals;

// 2026-11-28 13:50:59 UTC.
const core::SysTime kFetched = core::from_unix(1795873859);
constexpr const char* kText =
    "version: STSv1\nmode: enforce\nmx: mx1.example.com\nmx: *.mx.example.com\nmax_age: 86400\n";

sts::CachedPolicy cached() {
  auto policy = sts::parse_policy(kText);
  EXPECT_TRUE(policy.ok());
  return sts::CachedPolicy{policy.ok() ? *policy : sts::Policy{}, "20261128", kFetched,
                           kFetched + 86400s};
}

TEST(PolicyFormat, List) {
  struct Row {
    const char* name;
    std::vector<sts::CacheListEntry> entries;
    core::SysTime now;
    std::string out;
  };
  const std::vector<Row> rows = {
      {"empty", {}, kFetched, "No cached MTA-STS policies\n"},
      {"two domains, one expired",
       {{"example.com", "20261128", sts::Mode::enforce, kFetched, kFetched + 86400s},
        {"a.example.net", "1", sts::Mode::testing, kFetched - 48h, kFetched - 24h}},
       kFetched + 1h,
       "DOMAIN         ID        MODE     FETCHED                  EXPIRES\n"
       "example.com    20261128  enforce  2026-11-28 13:50:59 UTC  2026-11-29 13:50:59 UTC\n"
       "a.example.net  1         testing  2026-11-26 13:50:59 UTC  2026-11-27 13:50:59 UTC "
       "(expired)\n"},
  };
  for (const Row& row : rows) {
    SCOPED_TRACE(row.name);
    EXPECT_EQ(format_policy_list(row.entries, row.now), row.out);
  }
}

TEST(PolicyFormat, View) {
  struct Row {
    const char* name;
    PolicyView view;
    std::string out;
  };
  const std::vector<Row> rows = {
      {"policy and a later failure",
       {"example.com", cached(), kText,
        sts::FailureRecord{"20261129", kFetched + 2h, "tls: certificate has expired"}},
       "domain:       example.com\n"
       "id:           20261128\n"
       "mode:         enforce\n"
       "max_age:      86400\n"
       "mx:           mx1.example.com, *.mx.example.com\n"
       "fetched:      2026-11-28 13:50:59 UTC\n"
       "expires:      2026-11-29 13:50:59 UTC\n"
       "refresh:      2026-11-29 01:50:59 UTC\n"
       "last failure: 2026-11-28 15:50:59 UTC id=20261129 tls: certificate has expired\n"
       "policy text:\n"
       "  version: STSv1\n"
       "  mode: enforce\n"
       "  mx: mx1.example.com\n"
       "  mx: *.mx.example.com\n"
       "  max_age: 86400\n"},
      {"only a failure",
       {"example.org", std::nullopt, "",
        sts::FailureRecord{"1", kFetched, "http-status: 404"}},
       "domain:       example.org\n"
       "policy:       none cached\n"
       "last failure: 2026-11-28 13:50:59 UTC id=1 http-status: 404\n"},
  };
  for (const Row& row : rows) {
    SCOPED_TRACE(row.name);
    EXPECT_EQ(format_policy_view(row.view, kFetched + 3h), row.out);
  }
}

TEST(PolicyFormat, Lookup) {
  auto entry = std::make_shared<const sts::CachedPolicy>(cached());
  sts::PolicyLookup fetched;
  fetched.domain = "example.com";
  fetched.entry = entry;
  fetched.origin = sts::PolicyOrigin::fetched;

  sts::PolicyLookup kept = fetched;
  kept.origin = sts::PolicyOrigin::cache;
  kept.fetch_failure = sts::PolicyFetchFailure{
      sts::FetchError::tls, sts::ResultType::sts_webpki_invalid, "certificate has expired"};

  sts::PolicyLookup none;
  none.domain = "example.org";
  none.reason = "no-record";

  struct Row {
    const char* name;
    sts::PolicyLookup lookup;
    std::string out;
  };
  const std::vector<Row> rows = {
      {"fetched", fetched,
       "example.com: fetched; policy id=20261128 mode=enforce expires=2026-11-29 13:50:59 UTC "
       "applies\n"},
      {"failed, cache kept", kept,
       "example.com: fetch failed: tls (sts-webpki-invalid): certificate has expired; cached "
       "policy id=20261128 mode=enforce expires=2026-11-29 13:50:59 UTC applies\n"},
      {"no record", none, "example.org: not fetched (no-record); no MTA-STS policy applies\n"},
  };
  for (const Row& row : rows) {
    SCOPED_TRACE(row.name);
    EXPECT_EQ(format_policy_lookup(row.lookup), row.out);
  }
}

}  // namespace
}  // namespace stsrelay::app
