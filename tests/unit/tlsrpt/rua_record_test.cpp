// Table tests of the `_smtp._tls` TXT record parser (RFC 8460 §3): the RFC's examples, the
// whitespace of its ABNF, records of other versions and schemes, and oddities seen in zones.
#include "tlsrpt/rua_record.hpp"

#include <gtest/gtest.h>

namespace stsrelay::tlsrpt {
namespace {

enum class Want { ok, no_record, multiple, malformed, no_usable };

struct Row {
  const char* name;
  std::vector<sts::TxtRecord> records;
  Want want;
  std::vector<std::string> rua = {};      // Want::ok
  std::vector<std::string> ignored = {};  // Want::ok and Want::no_usable
};

Want kind_of(const RuaParseResult& r) {
  if (std::holds_alternative<RuaOk>(r)) return Want::ok;
  if (std::holds_alternative<RuaNoRecord>(r)) return Want::no_record;
  if (std::holds_alternative<RuaMultiple>(r)) return Want::multiple;
  if (std::holds_alternative<RuaNoUsableUri>(r)) return Want::no_usable;
  return Want::malformed;
}

TEST(RuaRecord, Table) {
  const std::string mail = "mailto:tlsrpt@example.com";
  const std::string web = "https://reporting.example.com/v1/tlsrpt";
  const std::vector<Row> rows = {
      // §3.1 examples.
      {"rfc mailto example", {{"v=TLSRPTv1;rua=mailto:reports@example.com"}}, Want::ok,
       {"mailto:reports@example.com"}},
      {"rfc https example", {{"v=TLSRPTv1; rua=https://reporting.example.com/v1/tlsrpt"}},
       Want::ok, {web}},
      {"two URIs", {{"v=TLSRPTv1; rua=" + mail + "," + web}}, Want::ok, {mail, web}},
      {"whitespace around comma (*WSP \",\" *WSP)", {{"v=TLSRPTv1; rua=" + mail + " ,\t" + web}},
       Want::ok, {mail, web}},
      {"whitespace around semicolon (field-delim)", {{"v=TLSRPTv1 ;\trua=" + mail + " ; "}},
       Want::ok, {mail}},
      {"trailing semicolon", {{"v=TLSRPTv1; rua=" + mail + ";"}}, Want::ok, {mail}},
      {"trailing whitespace accepted (choice)", {{"v=TLSRPTv1; rua=" + mail + "  "}}, Want::ok,
       {mail}},
      {"strings of one record joined", {{"v=TLSRPTv1; rua=mailto:tls", "rpt@example.com"}},
       Want::ok, {mail}},
      {"unknown field ignored", {{"v=TLSRPTv1; ext=value; rua=" + mail + "; x.y_z-1=a:b/c"}},
       Want::ok, {mail}},
      {"several rua fields joined (choice)", {{"v=TLSRPTv1; rua=" + mail + "; rua=" + web}},
       Want::ok, {mail, web}},
      {"duplicate URI kept once", {{"v=TLSRPTv1; rua=" + mail + "," + mail}}, Want::ok, {mail}},
      {"scheme in upper case", {{"v=TLSRPTv1; rua=MAILTO:tlsrpt@example.com"}}, Want::ok,
       {"MAILTO:tlsrpt@example.com"}},
      {"percent-encoded comma in a URI", {{"v=TLSRPTv1; rua=https://example.com/a%2Cb"}},
       Want::ok, {"https://example.com/a%2Cb"}},
      {"mailto with query", {{"v=TLSRPTv1; rua=mailto:tlsrpt@example.com?subject=x"}}, Want::ok,
       {"mailto:tlsrpt@example.com?subject=x"}},
      {"http URI ignored beside a usable one", {{"v=TLSRPTv1; rua=http://example.com/r," + mail}},
       Want::ok, {mail}, {"http://example.com/r"}},
      {"other TXT records of the name discarded",
       {{"v=spf1 -all"}, {"v=TLSRPTv1; rua=" + mail}, {"google-site-verification=abc"}},
       Want::ok, {mail}},

      // Not a TLS-RPT record at all.
      {"no records", {}, Want::no_record},
      {"only other records", {{"v=spf1 -all"}}, Want::no_record},
      {"version in lower case (%s is case-sensitive)", {{"v=tlsrptv1; rua=" + mail}},
       Want::no_record},
      {"another version", {{"v=TLSRPTv10; rua=" + mail}}, Want::no_record},
      {"leading whitespace", {{" v=TLSRPTv1; rua=" + mail}}, Want::no_record},
      {"version not first", {{"rua=" + mail + "; v=TLSRPTv1"}}, Want::no_record},

      // §3: exactly one record or none.
      {"two records", {{"v=TLSRPTv1; rua=" + mail}, {"v=TLSRPTv1; rua=" + web}},
       Want::multiple},
      {"two records, one malformed", {{"v=TLSRPTv1; rua=" + mail}, {"v=TLSRPTv1"}},
       Want::multiple},

      // Malformed: the domain is treated as not implementing TLS-RPT.
      {"bare version", {{"v=TLSRPTv1"}}, Want::malformed},
      {"version and semicolon only", {{"v=TLSRPTv1;"}}, Want::malformed},
      {"no rua", {{"v=TLSRPTv1; ext=1"}}, Want::malformed},
      {"empty rua", {{"v=TLSRPTv1; rua="}}, Want::malformed},
      {"rua name is case-sensitive", {{"v=TLSRPTv1; RUA=" + mail}}, Want::malformed},
      {"missing comma between URIs", {{"v=TLSRPTv1; rua=" + mail + " " + web}}, Want::malformed},
      {"empty URI between commas", {{"v=TLSRPTv1; rua=" + mail + ",," + web}}, Want::malformed},
      {"unencoded exclamation point", {{"v=TLSRPTv1; rua=mailto:a!b@example.com"}},
       Want::malformed},
      {"not a URI (no scheme)", {{"v=TLSRPTv1; rua=tlsrpt@example.com"}}, Want::malformed},
      {"bad percent escape", {{"v=TLSRPTv1; rua=https://example.com/%zz"}}, Want::malformed},
      {"field without '='", {{"v=TLSRPTv1; rua=" + mail + "; junk"}}, Want::malformed},
      {"space inside the version field", {{"v=TLSRPTv1 junk; rua=" + mail}}, Want::malformed},
      {"extension value with '='", {{"v=TLSRPTv1; rua=" + mail + "; a=b=c"}}, Want::malformed},
      {"extension name starting with '-'", {{"v=TLSRPTv1; rua=" + mail + "; -a=b"}},
       Want::malformed},
      {"extension name of 33 characters",
       {{"v=TLSRPTv1; rua=" + mail + "; " + std::string(33, 'a') + "=b"}}, Want::malformed},

      // Valid, but nothing we can send to.
      {"only http", {{"v=TLSRPTv1; rua=http://example.com/r"}}, Want::no_usable, {},
       {"http://example.com/r"}},
      {"mailto without an address", {{"v=TLSRPTv1; rua=mailto:nobody"}}, Want::no_usable, {},
       {"mailto:nobody"}},
      {"https without a host", {{"v=TLSRPTv1; rua=https:///path"}}, Want::no_usable, {},
       {"https:///path"}},
  };
  for (const Row& row : rows) {
    SCOPED_TRACE(row.name);
    const RuaParseResult result = parse_rua_records(row.records);
    ASSERT_EQ(kind_of(result), row.want) << describe(result);
    if (auto* ok = std::get_if<RuaOk>(&result)) {
      EXPECT_EQ(ok->rua, row.rua);
      EXPECT_EQ(ok->ignored, row.ignored);
    }
    if (auto* none = std::get_if<RuaNoUsableUri>(&result)) {
      EXPECT_EQ(none->ignored, row.ignored);
    }
    if (auto* multiple = std::get_if<RuaMultiple>(&result)) {
      EXPECT_EQ(multiple->count, 2u);
    }
  }
}

TEST(RuaRecord, DescribeSaysWhat) {
  EXPECT_EQ(describe(parse_rua_records({{"v=TLSRPTv1; rua=mailto:a@example.com"}})),
            "ok rua=mailto:a@example.com");
  EXPECT_EQ(describe(parse_rua_records({})), "no v=TLSRPTv1 record");
  EXPECT_EQ(describe(parse_rua_records({{"v=TLSRPTv1; ext=1"}})), "malformed: rua missing");
  EXPECT_EQ(describe(parse_rua_records({{"v=TLSRPTv1; rua=ftp://example.com/"}})),
            "no mailto: or https: URI (ignored ftp://example.com/)");
}

}  // namespace
}  // namespace stsrelay::tlsrpt
