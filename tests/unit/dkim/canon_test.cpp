// Relaxed canonicalisation (RFC 6376 §3.4.2, §3.4.4) with the RFC's own example (§3.4.6) and
// tables of the cases around it, and the header/body split the signer works on.
#include "src/dkim/canon.hpp"

#include <gtest/gtest.h>

#include "table_test.hpp"

namespace stsrelay::dkim {
namespace {

// RFC 6376 §3.4.6: the example message ("A: X", "B : Y<HTAB><CRLF><HTAB>Z  ", the body
// "<SP>C<SP>", "D<SP><HTAB><SP>E" and two empty lines).
constexpr std::string_view kRfcExample =
    "A: X\r\n"
    "B : Y\t\r\n"
    "\tZ  \r\n"
    "\r\n"
    " C \r\n"
    "D \t E\r\n"
    "\r\n"
    "\r\n";

TEST(DkimCanon, Rfc6376ExampleRelaxed) {
  auto split = split_message(kRfcExample);
  ASSERT_TRUE(split) << split.error().message;
  ASSERT_EQ(split->headers.size(), 2u);
  EXPECT_EQ(split->headers[0].name, "A");
  EXPECT_EQ(split->headers[1].name, "B");
  EXPECT_EQ(split->headers[1].raw, "B : Y\t\r\n\tZ  ");
  std::string headers;
  for (const auto& f : split->headers) headers += relaxed_header(f.raw) + "\r\n";
  // §3.4.6: "a:X<CRLF>" and "b:Y<SP>Z<CRLF>".
  EXPECT_EQ(headers, "a:X\r\nb:Y Z\r\n");
  // §3.4.6: "<SP>C<CRLF>" and "D<SP>E<CRLF>".
  EXPECT_EQ(relaxed_body(split->body), " C\r\nD E\r\n");
}

using Row = testing::Row<std::string_view, std::string_view>;

TEST(DkimCanon, RelaxedHeader) {
  const std::vector<Row> rows = {
      {"name lower-cased, value kept", "Subject: Is Dinner Ready?", "subject:Is Dinner Ready?"},
      {"no space after colon", "To:a@example.com", "to:a@example.com"},
      {"space before colon removed", "To \t: a@example.com", "to:a@example.com"},
      {"folding unfolded to one space", "Subject: a\r\n b\r\n\tc", "subject:a b c"},
      {"fold right after the colon is deleted", "Subject:\r\n  a", "subject:a"},
      {"inner runs of tabs and spaces", "X-A: 1 \t \t2", "x-a:1 2"},
      {"trailing whitespace removed", "X-A: v \t ", "x-a:v"},
      {"empty value", "X-Empty:", "x-empty:"},
      {"empty value with whitespace", "X-Empty:   \t", "x-empty:"},
      {"case of the value kept", "TLS-Report-Domain: Example.NET", "tls-report-domain:Example.NET"},
      {"colons in the value kept", "Date: Fri, 11 Jul 2003 21:00:37 -0700",
       "date:Fri, 11 Jul 2003 21:00:37 -0700"},
  };
  testing::expect_rows(rows, [](std::string_view field) { return relaxed_header(field); });
}

TEST(DkimCanon, RelaxedBody) {
  const std::vector<Row> rows = {
      {"empty body stays empty", "", ""},
      {"only empty lines: empty", "\r\n\r\n\r\n", ""},
      {"only whitespace lines: empty", "  \r\n\t\r\n", ""},
      {"missing final CRLF is added", "abc", "abc\r\n"},
      {"trailing whitespace of each line", "a \r\nb\t\r\n", "a\r\nb\r\n"},
      {"inner runs reduced", "a \t b\r\n", "a b\r\n"},
      {"leading whitespace reduced, not removed", "\t\ta\r\n", " a\r\n"},
      {"empty lines inside kept", "a\r\n\r\n\r\nb\r\n", "a\r\n\r\n\r\nb\r\n"},
      {"whitespace-only line inside becomes empty", "a\r\n \t \r\nb\r\n", "a\r\n\r\nb\r\n"},
      {"empty lines at the end removed", "a\r\n\r\n \r\n\r\n", "a\r\n"},
      {"last line without CRLF after an empty one", "a\r\n\r\nb", "a\r\n\r\nb\r\n"},
  };
  testing::expect_rows(rows, [](std::string_view body) { return relaxed_body(body); });
}

TEST(DkimCanon, SplitMessage) {
  struct SplitRow {
    const char* name;
    std::string_view message;
    std::vector<std::string_view> raws;  // expected fields; empty with an error
    std::string_view body;
    std::string_view error;  // part of the error message, "" when it succeeds
  };
  const std::vector<SplitRow> rows = {
      {"fields and body", "From: a@example.com\r\nTo: b@example.com\r\n\r\nhi\r\n",
       {"From: a@example.com", "To: b@example.com"}, "hi\r\n", ""},
      {"folded field kept whole", "Subject: a\r\n b\r\nTo: c\r\n\r\n",
       {"Subject: a\r\n b", "To: c"}, "", ""},
      {"headers only, no empty line", "From: a@example.com\r\n", {"From: a@example.com"}, "", ""},
      {"empty body after the empty line", "From: a\r\n\r\n", {"From: a"}, "", ""},
      {"body keeps its empty lines", "From: a\r\n\r\n\r\nx\r\n\r\n", {"From: a"},
       "\r\nx\r\n\r\n", ""},
      {"empty message", "", {}, "", "empty message"},
      {"bare LF in the header", "From: a\nTo: b\r\n\r\n", {}, "", "bare CR or LF"},
      {"bare CR in the header", "From: a\rb\r\n\r\n", {}, "", "bare CR or LF"},
      {"bare LF in the body", "From: a\r\n\r\nx\ny\r\n", {}, "", "bare CR or LF in the body"},
      {"bare CR at the end of the body", "From: a\r\n\r\nx\r", {}, "",
       "bare CR or LF in the body"},
      {"bare LF first in the body", "From: a\r\n\r\n\nx\r\n", {}, "",
       "bare CR or LF in the body at byte 11"},
      {"bare CR before a later bare LF", "From: a\r\n\r\nx\ry\nz", {}, "",
       "bare CR or LF in the body at byte 12"},
      {"bare LF before a later bare CR", "From: a\r\n\r\nx\ny\rz", {}, "",
       "bare CR or LF in the body at byte 12"},
      // Body offsets 11 + 16k start the blocks of sixteen octets the check reads at once.
      {"bare CR ending a block of sixteen", "From: a\r\n\r\n0123456789abcd\r\n0123456789abcde\rxyz",
       {}, "", "bare CR or LF in the body at byte 42"},
      {"CRLF across two blocks", "From: a\r\n\r\n0123456789abcde\r\n0123456789abcdef",
       {"From: a"}, "0123456789abcde\r\n0123456789abcdef", ""},
      {"bare CR at the end of a block, body ends there", "From: a\r\n\r\n0123456789abcde\r",
       {}, "", "bare CR or LF in the body at byte 26"},
      {"bare LF first in a later block", "From: a\r\n\r\n0123456789abcd\r\n\n0123456789abcdef",
       {}, "", "bare CR or LF in the body at byte 27"},
      {"continuation first", " x\r\nFrom: a\r\n\r\n", {}, "", "continuation line"},
      {"line without colon", "From a\r\n\r\n", {}, "", "without a field name"},
      {"colon without a name", ": a\r\n\r\n", {}, "", "without a field name"},
      {"header not ended", "From: a", {}, "", "does not end with CRLF"},
  };
  for (const auto& row : rows) {
    SCOPED_TRACE(row.name);
    auto split = split_message(row.message);
    if (!row.error.empty()) {
      ASSERT_FALSE(split);
      EXPECT_NE(split.error().message.find(row.error), std::string::npos)
          << split.error().message;
      continue;
    }
    ASSERT_TRUE(split) << split.error().message;
    std::vector<std::string_view> raws;
    for (const auto& f : split->headers) raws.push_back(f.raw);
    EXPECT_EQ(raws, row.raws);
    EXPECT_EQ(split->body, row.body);
  }
}

TEST(DkimCanon, SplitMessageNamesWithoutTrailingSpace) {
  auto split = split_message("Subject : x\r\nX-Tab\t:y\r\n\r\n");
  ASSERT_TRUE(split) << split.error().message;
  ASSERT_EQ(split->headers.size(), 2u);
  EXPECT_EQ(split->headers[0].name, "Subject");
  EXPECT_EQ(split->headers[1].name, "X-Tab");
}

}  // namespace
}  // namespace stsrelay::dkim
