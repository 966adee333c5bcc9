// The quoting of src/core/log_quote.hpp: each style on the octets that tell them apart.
#include "src/core/log_quote.hpp"

#include <gtest/gtest.h>

#include <string>

#include "table_test.hpp"

namespace stsrelay::core {
namespace {

TEST(LogValue, QuotesOnlyWhatNeedsIt) {
  const testing::Example<std::string_view, std::string_view> rows[] = {
      {"plain", "plain"},
      {"", "\"\""},
      {"two words", "\"two words\""},
      {"say \"hi\"", "\"say \\\"hi\\\"\""},
      {"a=b", "\"a=b\""},
      {"tab\there", "\"tab\\x09here\""},
      {"250 2.0.0 Ok", "\"250 2.0.0 Ok\""},
  };
  testing::expect_rows(rows, [](std::string_view value) { return log_value(value); });
}

TEST(LogValue, KeepsUtf8AndQuotesDel) {
  EXPECT_EQ(log_value("caf\xc3\xa9"), "caf\xc3\xa9");
  EXPECT_EQ(log_value("a\x7f"), "\"a\\x7f\"");
  EXPECT_EQ(log_value("back\\slash"), "\"back\\\\slash\"");
  EXPECT_EQ(log_value("line\r\nforged=1"), "\"line\\x0d\\x0aforged=1\"");
}

TEST(Quoted, EachStyle) {
  struct Row {
    std::string in;
    QuoteStyle style;
    std::string out;
  };
  const Row rows[] = {
      {"", QuoteStyle::log, "\"\""},
      {"plain", QuoteStyle::toml, "\"plain\""},
      {"a\"b\\c", QuoteStyle::log, "\"a\\\"b\\\\c\""},
      {"a\"b\\c", QuoteStyle::toml, "\"a\\\"b\\\\c\""},
      {"a\"b\\c", QuoteStyle::json, "\"a\\\"b\\\\c\""},
      {"\x1b[31m", QuoteStyle::log, "\"\\x1b[31m\""},
      {"\x1b[31m", QuoteStyle::toml, "\"\\u001B[31m\""},
      {"\x1b[31m", QuoteStyle::json, "\"\\u001b[31m\""},
      {"\x7f", QuoteStyle::log, "\"\\x7f\""},
      {"\x7f", QuoteStyle::toml, "\"\\u007F\""},
      {"\x7f", QuoteStyle::json, "\"\x7f\""},  // RFC 8259 §7: DEL needs no escape
      {std::string("nul\0", 4), QuoteStyle::toml, "\"nul\\u0000\""},
      {"\xc3\xa9 \xff", QuoteStyle::toml, "\"\xc3\xa9 \xff\""},  // 8-bit octets are kept
  };
  for (const Row& row : rows) {
    SCOPED_TRACE(row.in);
    EXPECT_EQ(quoted(row.in, row.style), row.out);
    std::string appended = "x";
    append_escaped(appended, row.in, row.style);
    EXPECT_EQ(appended, "x" + row.out.substr(1, row.out.size() - 2));
  }
}

TEST(Printable, MasksAndCuts) {
  struct Row {
    std::string in;
    std::size_t max;
    std::string out;
  };
  const Row rows[] = {
      {"v=STSv1; id=1", 64, "v=STSv1; id=1"},
      {"", 64, ""},
      {"tab\there", 64, "tab?here"},
      {"crlf\r\n", 64, "crlf??"},
      {"caf\xc3\xa9", 64, "caf??"},
      {"del\x7f", 64, "del?"},
      {"abcdef", 3, "abc..."},
      {"abc", 3, "abc"},
      {std::string(100, 'x'), 64, std::string(64, 'x') + "..."},
  };
  for (const Row& row : rows) {
    SCOPED_TRACE(row.in);
    EXPECT_EQ(printable(row.in, row.max), row.out);
  }
  EXPECT_EQ(printable(std::string(65, 'y')), std::string(64, 'y') + "...");
}

}  // namespace
}  // namespace stsrelay::core
