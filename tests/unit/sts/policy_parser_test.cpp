// Table tests of the MTA-STS policy parser (RFC 8461 §3.2): RFC examples, the rules most
// published implementations get wrong, and files seen in the wild.
#include "sts/policy_parser.hpp"

#include <gtest/gtest.h>

#include <optional>

namespace stsrelay::sts {
namespace {

struct Row {
  const char* name;
  std::string text;
  // Expected policy, or nullopt for "invalid" (then `error` is a substring of the reason).
  std::optional<Policy> want;
  std::string error = {};
};

Policy P(Mode mode, std::int64_t max_age, std::vector<std::string> mx,
         std::vector<std::string> lines) {
  return Policy{mode, max_age, std::move(mx), std::move(lines)};
}

const std::vector<std::string> kRfcLines = {"version: STSv1", "mode: enforce",
                                            "mx: mail.example.com", "mx: *.example.net",
                                            "mx: backupmx.example.com", "max_age: 604800"};

TEST(PolicyParser, Table) {
  const std::vector<Row> rows = {
      // §3.2 example, CRLF as the RFC shows it.
      {"rfc example CRLF",
       "version: STSv1\r\nmode: enforce\r\nmx: mail.example.com\r\nmx: *.example.net\r\n"
       "mx: backupmx.example.com\r\nmax_age: 604800\r\n",
       P(Mode::enforce, 604800, {"mail.example.com", "*.example.net", "backupmx.example.com"},
         kRfcLines)},
      // §3.2: sts-policy-term = LF / CRLF.
      {"rfc example LF",
       "version: STSv1\nmode: enforce\nmx: mail.example.com\nmx: *.example.net\n"
       "mx: backupmx.example.com\nmax_age: 604800\n",
       P(Mode::enforce, 604800, {"mail.example.com", "*.example.net", "backupmx.example.com"},
         kRfcLines)},
      {"mixed LF and CRLF", "version: STSv1\r\nmode: testing\nmx: mx.example.com\r\nmax_age: 1",
       P(Mode::testing, 1, {"mx.example.com"},
         {"version: STSv1", "mode: testing", "mx: mx.example.com", "max_age: 1"})},
      // [sts-policy-term]: the last line ending is optional.
      {"no final line ending", "version: STSv1\nmode: none\nmax_age: 86400",
       P(Mode::none, 86400, {}, {"version: STSv1", "mode: none", "max_age: 86400"})},
      // sts-policy-field-delim = ":" *WSP; no whitespace at all after ':' is fine too.
      {"no space after colon", "version:STSv1\nmode:none\nmax_age:0\n",
       P(Mode::none, 0, {}, {"version:STSv1", "mode:none", "max_age:0"})},
      {"tabs after colon and trailing whitespace",
       "version:\tSTSv1 \nmode:  testing\t\nmx: mx.example.com \nmax_age: 10  \n",
       P(Mode::testing, 10, {"mx.example.com"},
         {"version:\tSTSv1 ", "mode:  testing\t", "mx: mx.example.com ", "max_age: 10  "})},
      // sts-policy-field-delim follows the name directly: no whitespace before ':'.
      {"space before colon", "version : STSv1\nmode : none\nmax_age : 5\n", std::nullopt,
       "whitespace between field name and ':'"},
      {"tab before colon", "version: STSv1\nmode\t: none\nmax_age: 5\n", std::nullopt,
       "whitespace between field name and ':'"},
      // The policy file's fields come in any order; version need not be first.
      {"version last", "mode: enforce\nmx: mx.example.com\nmax_age: 86400\nversion: STSv1\n",
       P(Mode::enforce, 86400, {"mx.example.com"},
         {"mode: enforce", "mx: mx.example.com", "max_age: 86400", "version: STSv1"})},
      // mode none needs no mx; mx under none is kept.
      {"mode none without mx", "version: STSv1\nmode: none\nmax_age: 86400\n",
       P(Mode::none, 86400, {}, {"version: STSv1", "mode: none", "max_age: 86400"})},
      {"mode none with mx", "version: STSv1\nmode: none\nmx: a.example.com\nmax_age: 9\n",
       P(Mode::none, 9, {"a.example.com"},
         {"version: STSv1", "mode: none", "mx: a.example.com", "max_age: 9"})},
      // max_age: 0 is valid; 31557600 is the maximum; leading zeros allowed by 1*10(DIGIT).
      {"max_age zero", "version: STSv1\nmode: none\nmax_age: 0\n",
       P(Mode::none, 0, {}, {"version: STSv1", "mode: none", "max_age: 0"})},
      {"max_age maximum", "version: STSv1\nmode: none\nmax_age: 31557600\n",
       P(Mode::none, 31557600, {}, {"version: STSv1", "mode: none", "max_age: 31557600"})},
      {"max_age leading zeros (choice)", "version: STSv1\nmode: none\nmax_age: 0000086400\n",
       P(Mode::none, 86400, {}, {"version: STSv1", "mode: none", "max_age: 0000086400"})},
      // §3.2: unknown fields are ignored (but kept in the policy-string).
      {"unknown key ignored",
       "version: STSv1\nmode: testing\nx-comment: hello: world; a=b\nmx: m.example.com\n"
       "max_age: 60\n",
       P(Mode::testing, 60, {"m.example.com"},
         {"version: STSv1", "mode: testing", "x-comment: hello: world; a=b",
          "mx: m.example.com", "max_age: 60"})},
      {"unknown key with UTF-8 value", "version: STSv1\nmode: none\nnote: café\nmax_age: 1\n",
       P(Mode::none, 1, {}, {"version: STSv1", "mode: none", "note: café", "max_age: 1"})},
      // §3.2: a repeated non-mx field keeps its first value; later ones are ignored even if
      // they would be invalid on their own.
      {"repeated mode keeps first",
       "version: STSv1\nmode: testing\nmode: enforce\nmx: m.example.com\nmax_age: 60\n",
       P(Mode::testing, 60, {"m.example.com"},
         {"version: STSv1", "mode: testing", "mode: enforce", "mx: m.example.com",
          "max_age: 60"})},
      {"repeated max_age keeps first, second invalid ignored",
       "version: STSv1\nmode: none\nmax_age: 60\nmax_age: forever\n",
       P(Mode::none, 60, {}, {"version: STSv1", "mode: none", "max_age: 60", "max_age: forever"})},
      {"repeated version keeps first", "version: STSv1\nversion: STSv2\nmode: none\nmax_age: 1\n",
       P(Mode::none, 1, {}, {"version: STSv1", "version: STSv2", "mode: none", "max_age: 1"})},
      // mx normalised: lower case, trailing dot dropped; A-labels kept as they are.
      {"mx normalised",
       "version: STSv1\nmode: enforce\nmx: MX1.Example.COM.\nmx: *.EXAMPLE.net\n"
       "mx: mx.xn--bcher-kva.example\nmax_age: 60\n",
       P(Mode::enforce, 60, {"mx1.example.com", "*.example.net", "mx.xn--bcher-kva.example"},
         {"version: STSv1", "mode: enforce", "mx: MX1.Example.COM.", "mx: *.EXAMPLE.net",
          "mx: mx.xn--bcher-kva.example", "max_age: 60"})},
      // §3.2: mx values are "in the form of an A-label"; a U-label makes the policy invalid.
      {"mx U-label", "version: STSv1\nmode: enforce\nmx: mx.bücher.example\nmax_age: 60\n",
       std::nullopt, "A-label"},
      {"wildcard mx U-label", "version: STSv1\nmode: enforce\nmx: *.bücher.example\nmax_age: 60\n",
       std::nullopt, "A-label"},
      // Real-world oddities: blank lines, leading whitespace (choices).
      {"blank lines skipped (choice)",
       "\nversion: STSv1\n\r\n  \nmode: none\n\nmax_age: 1\n\n",
       P(Mode::none, 1, {}, {"version: STSv1", "mode: none", "max_age: 1"})},
      // A byte order mark before `version` leaves no valid field name: the policy is invalid.
      {"UTF-8 BOM before version", "\xEF\xBB\xBFversion: STSv1\nmode: none\nmax_age: 1\n",
       std::nullopt, "invalid field name"},
      {"leading whitespace tolerated (choice)", "  version: STSv1\n\tmode: none\nmax_age: 1",
       P(Mode::none, 1, {}, {"  version: STSv1", "\tmode: none", "max_age: 1"})},

      // Invalid: each rule once.
      {"empty file", "", std::nullopt, "no version"},
      {"missing version", "mode: none\nmax_age: 1\n", std::nullopt, "no version"},
      {"missing mode", "version: STSv1\nmax_age: 1\n", std::nullopt, "no mode"},
      {"missing max_age", "version: STSv1\nmode: none\n", std::nullopt, "no max_age"},
      {"enforce without mx", "version: STSv1\nmode: enforce\nmax_age: 1\n", std::nullopt,
       "no mx"},
      {"testing without mx", "version: STSv1\nmode: testing\nmax_age: 1\n", std::nullopt,
       "no mx"},
      {"wrong version", "version: STSv2\nmode: none\nmax_age: 1\n", std::nullopt, "not STSv1"},
      {"version case-sensitive", "version: stsv1\nmode: none\nmax_age: 1\n", std::nullopt,
       "not STSv1"},
      {"mode case-sensitive", "version: STSv1\nmode: Enforce\nmx: a.example\nmax_age: 1\n",
       std::nullopt, "mode is"},
      {"unknown mode", "version: STSv1\nmode: report\nmax_age: 1\n", std::nullopt, "mode is"},
      {"key case-sensitive: Mode is unknown, mode missing",
       "version: STSv1\nMode: none\nmax_age: 1\n", std::nullopt, "no mode"},
      {"max_age negative", "version: STSv1\nmode: none\nmax_age: -1\n", std::nullopt, "digits"},
      {"max_age with plus", "version: STSv1\nmode: none\nmax_age: +1\n", std::nullopt, "digits"},
      {"max_age with unit", "version: STSv1\nmode: none\nmax_age: 86400s\n", std::nullopt,
       "digits"},
      {"max_age fraction", "version: STSv1\nmode: none\nmax_age: 1.5\n", std::nullopt, "digits"},
      {"max_age above maximum", "version: STSv1\nmode: none\nmax_age: 31557601\n", std::nullopt,
       "above"},
      {"max_age 11 digits", "version: STSv1\nmode: none\nmax_age: 00000000001\n", std::nullopt,
       "1 to 10"},
      {"max_age huge", "version: STSv1\nmode: none\nmax_age: 99999999999999999999999\n",
       std::nullopt, "1 to 10"},
      {"max_age inner space", "version: STSv1\nmode: none\nmax_age: 86 400\n", std::nullopt,
       "digits"},
      {"line without colon", "version: STSv1\nmode none\nmax_age: 1\n", std::nullopt, "no ':'"},
      {"empty value", "version: STSv1\nmode: none\nmax_age: 1\nmx:\n", std::nullopt,
       "empty value"},
      {"key with space", "version: STSv1\nmode: none\nmax age: 1\n", std::nullopt,
       "invalid field name"},
      {"key too long", "version: STSv1\nmode: none\nmax_age: 1\n"
                       "abcdefghijklmnopqrstuvwxyz0123456: x\n",
       std::nullopt, "invalid field name"},
      {"empty key", "version: STSv1\nmode: none\nmax_age: 1\n: x\n", std::nullopt,
       "invalid field name"},
      {"bare CR as line ending", "version: STSv1\rmode: none\rmax_age: 1\r", std::nullopt,
       "control character"},
      {"NUL in value", std::string("version: STSv1\nmode: none\0\nmax_age: 1\n", 38),
       std::nullopt, "control character"},
      {"invalid UTF-8 in unknown field", "version: STSv1\nmode: none\nx: \xff\nmax_age: 1\n",
       std::nullopt, "invalid UTF-8"},
      {"mx with port", "version: STSv1\nmode: enforce\nmx: mx.example.com:25\nmax_age: 1\n",
       std::nullopt, "mx:"},
      {"mx with inner wildcard", "version: STSv1\nmode: enforce\nmx: mx.*.example.com\n"
                                 "max_age: 1\n",
       std::nullopt, "mx:"},
      {"mx bare wildcard", "version: STSv1\nmode: enforce\nmx: *\nmax_age: 1\n", std::nullopt,
       "mx:"},
      {"mx double wildcard", "version: STSv1\nmode: enforce\nmx: *.*.example.com\nmax_age: 1\n",
       std::nullopt, "mx:"},
      {"mx with underscore", "version: STSv1\nmode: enforce\nmx: mx_1.example.com\nmax_age: 1\n",
       std::nullopt, "mx:"},
      {"mx with empty label", "version: STSv1\nmode: enforce\nmx: mx..example.com\nmax_age: 1\n",
       std::nullopt, "mx:"},
      {"mx two values on one line",
       "version: STSv1\nmode: enforce\nmx: a.example.com b.example.com\nmax_age: 1\n",
       std::nullopt, "mx:"},
      {"mx an invalid name under mode none",
       "version: STSv1\nmode: none\nmx: -bad-.example\nmax_age: 1\n", std::nullopt, "mx:"},
      {"HTML error page served as policy",
       "<html><head><title>404 Not Found</title></head></html>\n", std::nullopt, "no ':'"},
      {"JSON served as policy", "{\"version\": \"STSv1\"}", std::nullopt, "invalid field name"},
  };
  for (const Row& row : rows) {
    SCOPED_TRACE(row.name);
    auto got = parse_policy(row.text);
    if (row.want) {
      ASSERT_TRUE(got.ok()) << got.error().message;
      EXPECT_EQ(got->mode, row.want->mode);
      EXPECT_EQ(got->max_age, row.want->max_age);
      EXPECT_EQ(got->mx, row.want->mx);
      EXPECT_EQ(got->lines, row.want->lines);
    } else {
      ASSERT_FALSE(got.ok()) << "parsed a policy";
      EXPECT_EQ(got.error().kind, core::ErrorKind::invalid);
      EXPECT_NE(got.error().message.find(row.error), std::string::npos) << got.error().message;
    }
  }
}

TEST(PolicyParser, ErrorNamesTheLine) {
  auto got = parse_policy("version: STSv1\nmode: none\nmax_age: abc\n");
  ASSERT_FALSE(got.ok());
  EXPECT_NE(got.error().message.find("line 3"), std::string::npos) << got.error().message;
}

TEST(PolicyParser, ManyMxLinesAndLongInputAreLinear) {
  std::string text = "version: STSv1\nmode: enforce\nmax_age: 86400\n";
  for (int i = 0; i < 5000; ++i) text += "mx: mx" + std::to_string(i) + ".example.com\n";
  auto got = parse_policy(text);
  ASSERT_TRUE(got.ok()) << got.error().message;
  EXPECT_EQ(got->mx.size(), 5000u);
  EXPECT_EQ(got->mx.back(), "mx4999.example.com");
}

TEST(PolicyParser, ModeToString) {
  EXPECT_EQ(to_string(Mode::enforce), "enforce");
  EXPECT_EQ(to_string(Mode::testing), "testing");
  EXPECT_EQ(to_string(Mode::none), "none");
}

}  // namespace
}  // namespace stsrelay::sts
