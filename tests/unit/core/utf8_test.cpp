// RFC 3629 §4 well-formedness (src/core/utf8.hpp): the boundaries of each lead octet's range,
// overlongs, surrogates, truncation and the octets that never occur.
#include "src/core/utf8.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace stsrelay::core {
namespace {

TEST(Utf8, Table) {
  struct Row {
    const char* name;
    std::string text;
    bool valid;
    std::size_t first_length;  // utf8_sequence_length(text, 0)
  };
  const std::vector<Row> rows = {
      {"empty", "", true, 0},
      {"ascii", "abc", true, 0},
      {"nul is ascii", std::string("\0", 1), true, 0},
      {"U+0080", "\xc2\x80", true, 2},
      {"U+07FF", "\xdf\xbf", true, 2},
      {"U+0800", "\xe0\xa0\x80", true, 3},
      {"U+D7FF", "\xed\x9f\xbf", true, 3},
      {"U+E000", "\xee\x80\x80", true, 3},
      {"U+FFFF", "\xef\xbf\xbf", true, 3},
      {"U+10000", "\xf0\x90\x80\x80", true, 4},
      {"U+10FFFF", "\xf4\x8f\xbf\xbf", true, 4},
      {"mixed", "caf\xc3\xa9 \xe2\x82\xac", true, 0},
      {"overlong C0", "\xc0\xaf", false, 0},
      {"overlong C1", "\xc1\xbf", false, 0},
      {"overlong E0", "\xe0\x9f\xbf", false, 0},
      {"overlong F0", "\xf0\x8f\xbf\xbf", false, 0},
      {"surrogate D800", "\xed\xa0\x80", false, 0},
      {"surrogate DFFF", "\xed\xbf\xbf", false, 0},
      {"above U+10FFFF", "\xf4\x90\x80\x80", false, 0},
      {"F5", "\xf5\x80\x80\x80", false, 0},
      {"FF", "\xff", false, 0},
      {"stray continuation", "\x80", false, 0},
      {"truncated 2", "\xc3", false, 0},
      {"truncated 3", "\xe2\x82", false, 0},
      {"truncated 4", "\xf0\x90\x80", false, 0},
      {"bad third octet", "\xe2\x82\x41", false, 0},
      {"bad after good", "\xc3\xa9\xc3", false, 2},
  };
  for (const Row& row : rows) {
    SCOPED_TRACE(row.name);
    EXPECT_EQ(is_valid_utf8(row.text), row.valid);
    EXPECT_EQ(utf8_sequence_length(row.text, 0), row.first_length);
  }
  EXPECT_EQ(utf8_sequence_length("ab\xc3\xa9", 2), 2u);
  EXPECT_EQ(utf8_sequence_length("ab", 5), 0u);  // past the end
}

}  // namespace
}  // namespace stsrelay::core
