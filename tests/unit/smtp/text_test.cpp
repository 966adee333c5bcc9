// The octet helpers of smtp/text.hpp.
#include "smtp/text.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace stsrelay::smtp {
namespace {

TEST(FindLineBreak, Table) {
  constexpr auto npos = std::string_view::npos;
  struct Row {
    std::string text;
    std::size_t from;
    std::size_t expected;
  };
  const std::vector<Row> rows = {
      {"", 0, npos},
      {"abc", 0, npos},
      {"abc", 5, npos},
      {"abc\r\n", 0, 3},
      {"abc\n", 0, 3},
      {"abc\r", 0, 3},
      {"a\nb\rc", 0, 1},       // LF before CR
      {"a\rb\nc", 0, 1},       // CR before LF
      {"a\r\nb\r\n", 2, 2},    // from at the LF itself
      {"a\r\nb\r\n", 3, 4},
      {"\r", 0, 0},
      {std::string(1000, 'x') + "\n", 0, 1000},
      {std::string("a\0b\r", 4), 0, 3},  // NUL is an ordinary octet here
  };
  for (const Row& row : rows) {
    SCOPED_TRACE(row.text);
    EXPECT_EQ(find_line_break(row.text, row.from), row.expected);
    // The same answer as the obvious definition.
    const std::size_t reference =
        row.from >= row.text.size() ? npos : std::string_view(row.text).find_first_of("\r\n", row.from);
    EXPECT_EQ(find_line_break(row.text, row.from), reference);
  }
}

}  // namespace
}  // namespace stsrelay::smtp
