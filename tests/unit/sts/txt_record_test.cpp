// Table tests of the `_mta-sts` TXT record parser (RFC 8461 §3.1).
#include "sts/txt_record.hpp"

#include <gtest/gtest.h>

namespace stsrelay::sts {
namespace {

enum class Want { ok, no_record, multiple, malformed };

struct Row {
  const char* name;
  std::vector<TxtRecord> records;
  Want want;
  std::string id = {};  // for Want::ok
};

Want kind_of(const TxtParseResult& r) {
  if (std::holds_alternative<TxtOk>(r)) return Want::ok;
  if (std::holds_alternative<TxtNoRecord>(r)) return Want::no_record;
  if (std::holds_alternative<TxtMultiple>(r)) return Want::multiple;
  return Want::malformed;
}

TEST(TxtRecord, Table) {
  const std::vector<Row> rows = {
      // §3.1 example record.
      {"rfc example", {{"v=STSv1; id=20160831085700Z;"}}, Want::ok, "20160831085700Z"},
      {"no trailing semicolon", {{"v=STSv1; id=abc123"}}, Want::ok, "abc123"},
      {"no space after semicolon", {{"v=STSv1;id=abc"}}, Want::ok, "abc"},
      {"whitespace around later delimiters (sts-field-delim = *WSP \";\" *WSP)",
       {{"v=STSv1; id=abc ; x=1\t;\ty=2 ;"}}, Want::ok, "abc"},
      // §3.1: "Records that do not begin with "v=STSv1;" are discarded", before counting.
      {"whitespace before the first semicolon: discarded", {{"v=STSv1 ; id=abc ;"}},
       Want::no_record},
      {"tab before the first semicolon: discarded", {{"v=STSv1\t;\tid=abc"}}, Want::no_record},
      {"discarded record not counted", {{"v=STSv1 ; id=a"}, {"v=STSv1; id=b"}}, Want::ok, "b"},
      {"bare version not counted", {{"v=STSv1; id=a"}, {"v=STSv1"}}, Want::ok, "a"},
      {"trailing whitespace accepted (choice)", {{"v=STSv1; id=abc  "}}, Want::ok, "abc"},
      {"id of 32 characters", {{"v=STSv1; id=abcdefghijklmnopqrstuvwxyz012345"}}, Want::ok,
       "abcdefghijklmnopqrstuvwxyz012345"},
      {"id of one character", {{"v=STSv1; id=1"}}, Want::ok, "1"},
      // A record's strings are joined without separator; real zones split long records.
      {"strings of one record joined", {{"v=STSv1; i", "d=2019", "0429T010101"}}, Want::ok,
       "20190429T010101"},
      {"extension field ignored", {{"v=STSv1; id=abc; ext-1.x=foo/bar:baz"}}, Want::ok, "abc"},
      {"extension before id", {{"v=STSv1; foo=bar; id=abc"}}, Want::ok, "abc"},
      // A later `id` whose value is no sts-id is an sts-extension; the first id stands.
      {"later id that is no sts-id is an extension", {{"v=STSv1; id=first; id=not-an-id"}},
       Want::ok, "first"},
      {"earlier id that is no sts-id is an extension", {{"v=STSv1; id=2019-04-29; id=abc"}},
       Want::ok, "abc"},
      {"repeated id keeps first (choice)", {{"v=STSv1; id=first; id=second"}}, Want::ok,
       "first"},
      // §3.1: records that do not begin with v=STSv1 are discarded.
      {"spf record beside ignored", {{"v=spf1 -all"}, {"v=STSv1; id=abc"}}, Want::ok, "abc"},
      {"no records at all", {}, Want::no_record},
      {"only other records", {{"v=spf1 -all"}, {"google-site-verification=xyz"}},
       Want::no_record},
      {"version is case-sensitive (%s)", {{"V=STSv1; id=abc"}}, Want::no_record},
      {"lower-case version value", {{"v=stsv1; id=abc"}}, Want::no_record},
      {"another version number", {{"v=STSv10; id=abc"}}, Want::no_record},
      {"leading whitespace: not an STS record", {{" v=STSv1; id=abc"}}, Want::no_record},
      {"version not first", {{"id=abc; v=STSv1"}}, Want::no_record},
      // §3.1: "If the number of resulting records is not one ... no available policy".
      {"two STS records", {{"v=STSv1; id=a"}, {"v=STSv1; id=b"}}, Want::multiple},
      {"two identical STS records", {{"v=STSv1; id=a"}, {"v=STSv1; id=a"}}, Want::multiple},
      {"two STS records, one malformed", {{"v=STSv1; id=a"}, {"v=STSv1;"}}, Want::multiple},
      // Malformed: no policy, each with its own reason.
      {"bare version: discarded", {{"v=STSv1"}}, Want::no_record},
      {"version and semicolon only", {{"v=STSv1;"}}, Want::malformed},
      {"id missing, extension present", {{"v=STSv1; foo=bar"}}, Want::malformed},
      {"empty id", {{"v=STSv1; id="}}, Want::malformed},
      {"id of 33 characters", {{"v=STSv1; id=abcdefghijklmnopqrstuvwxyz0123456"}},
       Want::malformed},
      {"id with hyphen (common in the wild)", {{"v=STSv1; id=2019-04-29"}}, Want::malformed},
      {"id with underscore", {{"v=STSv1; id=a_b"}}, Want::malformed},
      {"id name is case-sensitive", {{"v=STSv1; ID=abc"}}, Want::malformed},
      {"space instead of semicolon: discarded", {{"v=STSv1 id=abc"}}, Want::no_record},
      {"space instead of a later semicolon", {{"v=STSv1; id=abc x=1"}}, Want::malformed},
      {"space inside field", {{"v=STSv1; id = abc"}}, Want::malformed},
      {"comma after version: not a v=STSv1 record", {{"v=STSv1, id=abc"}}, Want::no_record},
      {"comma between fields", {{"v=STSv1; id=abc, x=1"}}, Want::malformed},
      {"field without =", {{"v=STSv1; id=abc; flag"}}, Want::malformed},
      {"extension name starts with _", {{"v=STSv1; id=abc; _x=1"}}, Want::malformed},
      {"extension name too long",
       {{"v=STSv1; id=abc; abcdefghijklmnopqrstuvwxyz0123456=1"}}, Want::malformed},
      {"extension value empty", {{"v=STSv1; id=abc; x="}}, Want::malformed},
      {"extension value with =", {{"v=STSv1; id=abc; x=a=b"}}, Want::malformed},
      {"extension value with control", {{std::string("v=STSv1; id=abc; x=a\x01")}},
       Want::malformed},
      {"extension value with 8-bit byte", {{"v=STSv1; id=abc; x=caf\xc3\xa9"}},
       Want::malformed},
      {"double semicolon", {{"v=STSv1;; id=abc"}}, Want::malformed},
      {"NUL byte in id", {{std::string("v=STSv1; id=ab\0c", 16)}}, Want::malformed},
  };
  for (const Row& row : rows) {
    SCOPED_TRACE(row.name);
    TxtParseResult got = parse_txt_records(row.records);
    EXPECT_EQ(kind_of(got), row.want) << describe(got);
    if (row.want == Want::ok && std::holds_alternative<TxtOk>(got)) {
      EXPECT_EQ(std::get<TxtOk>(got).id, row.id);
    }
    if (row.want == Want::malformed && std::holds_alternative<TxtMalformed>(got)) {
      EXPECT_FALSE(std::get<TxtMalformed>(got).reason.empty());
    }
  }
}

TEST(TxtRecord, MalformedReasonsAreDistinct) {
  auto reason = [](std::string_view text) {
    auto r = parse_txt_record(text);
    return std::holds_alternative<TxtMalformed>(r) ? std::get<TxtMalformed>(r).reason : "";
  };
  EXPECT_NE(reason("v=STSv1;"), reason("v=STSv1; id=a-b"));
  EXPECT_NE(reason("v=STSv1"), reason("v=STSv1; id=a-b"));
  EXPECT_NE(reason("v=STSv1; id=a-b"), reason("v=STSv1; x=a=b"));
  EXPECT_EQ(describe(parse_txt_records({{"v=STSv1;id=a"}, {"v=STSv1;id=b"}})),
            "multiple v=STSv1 records (2)");
  EXPECT_EQ(describe(parse_txt_records({{"v=STSv1;id=a"}})), "ok id=a");
}

}  // namespace
}  // namespace stsrelay::sts
