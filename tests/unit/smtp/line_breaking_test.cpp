// smtp/line_breaking.hpp: folding header fields, breaking body lines, re-wrapping base64.
#include "smtp/line_breaking.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "src/core/base64.hpp"

namespace stsrelay::smtp {
namespace {

// RFC 5322 §2.2.3 unfolding: CRLF before WSP removed.
std::string unfold(const std::string& s) {
  std::string out;
  for (std::size_t i = 0; i < s.size(); ++i) {
    const bool fold = s.compare(i, 2, "\r\n") == 0 && i + 2 < s.size() &&
                      (s[i + 2] == ' ' || s[i + 2] == '\t');
    if (fold) ++i;
    else out += s[i];
  }
  return out;
}

TEST(LongLineBreaking, FoldTable) {
  struct Row {
    const char* name;
    std::string raw;
    std::size_t limit;
    std::string folded;
    std::size_t folds, breaks;
  };
  const std::vector<Row> rows = {
      {"short lines stay", "Subject: a b c\r\n", 14, "Subject: a b c\r\n", 0, 0},
      {"fold at spaces, greedily", "Subject: one two three four\r\n", 14,
       "Subject: one\r\n two three\r\n four\r\n", 2, 0},
      {"never before the colon", "X Y: ab cd\r\n", 5, "X Y:\r\n ab\r\n cd\r\n", 2, 0},
      {"a run of WSP moves whole, trailing WSP is no fold point", "S: aaaa  \tbbbb   \r\n", 10,
       "S: aaaa\r\n  \tbbbb   \r\n", 1, 0},
      {"no whitespace: broken with CRLF SP", "S:abcdefghij\r\n", 5, "S:abc\r\n defg\r\n hij\r\n", 0,
       1},
      {"fold first, break what is left", "S: abcdefghij\r\n", 5, "S:\r\n abcd\r\n efgh\r\n ij\r\n",
       1, 1},
      {"continuation lines too", "S: a\r\n bbb ccc ddd\r\n", 8, "S: a\r\n bbb ccc\r\n ddd\r\n", 1,
       0},
      {"a field without its final CRLF", "S: aaa bbb", 6, "S: aaa\r\n bbb", 1, 0},
  };
  for (const Row& row : rows) {
    SCOPED_TRACE(row.name);
    const FoldedField f = fold_field(row.raw, row.limit);
    EXPECT_EQ(f.raw, row.folded);
    EXPECT_EQ(f.folds, row.folds);
    EXPECT_EQ(f.breaks, row.breaks);
    if (f.breaks == 0) EXPECT_EQ(unfold(f.raw), unfold(row.raw));
  }
}

TEST(LongLineBreaking, FoldRealSizes) {
  std::string subject = "Subject:";
  for (int i = 0; i < 400; ++i) subject += " word" + std::to_string(i);
  subject += "\r\n";
  const FoldedField f = fold_field(subject);
  EXPECT_FALSE(has_line_longer_than(f.raw, kFoldLength));
  EXPECT_EQ(unfold(f.raw), subject);
  EXPECT_EQ(f.breaks, 0u);

  const std::string token = "X-Token: " + std::string(2500, 'a') + "\r\n";
  const FoldedField t = fold_field(token);
  EXPECT_FALSE(has_line_longer_than(t.raw));
  EXPECT_EQ(t.raw, "X-Token:\r\n " + std::string(997, 'a') + "\r\n " + std::string(997, 'a') +
                       "\r\n " + std::string(506, 'a') + "\r\n");
  EXPECT_EQ(t.breaks, 1u);
}

TEST(LongLineBreaking, BreakTable) {
  struct Row {
    const char* name;
    std::string text;
    std::size_t limit;
    std::string broken;
    std::size_t lines;
  };
  const std::vector<Row> rows = {
      {"short lines stay", "abc\r\nde\r\n", 3, "abc\r\nde\r\n", 0},
      {"cut every limit octets", "abcdefgh\r\nxy\r\n", 3, "abc\r\ndef\r\ngh\r\nxy\r\n", 1},
      {"no final CRLF", "abcdefg", 3, "abc\r\ndef\r\ng", 1},
      {"a piece does not start with -", "abcd--b\r\n", 4, "abc\r\nd--b\r\n", 1},
      {"dashes back by half a line at most", "ab------cd", 4, "ab--\r\n----\r\ncd", 1},
  };
  for (const Row& row : rows) {
    SCOPED_TRACE(row.name);
    const BrokenText b = break_long_lines(row.text, row.limit);
    EXPECT_EQ(b.text, row.broken);
    EXPECT_EQ(b.lines, row.lines);
  }
}

TEST(LongLineBreaking, RewrapBase64) {
  std::string data;
  for (int i = 0; i < 3000; ++i) data += static_cast<char>(i * 7 % 256);
  const std::string one_line = core::encode_base64(data);
  for (const std::string& body : {one_line + "\r\n", one_line}) {
    const std::string wrapped = rewrap_base64(body);
    EXPECT_FALSE(has_line_longer_than(wrapped, 76));
    EXPECT_EQ(wrapped.ends_with("\r\n"), body.ends_with("\r\n"));
    std::string joined = wrapped;
    std::erase(joined, '\r');
    std::erase(joined, '\n');
    EXPECT_EQ(core::decode_base64(joined), data);
  }
  EXPECT_EQ(rewrap_base64(std::string(76, 'A') + "\r\n"), std::string(76, 'A') + "\r\n");
  EXPECT_EQ(rewrap_base64(std::string(76, 'A')), std::string(76, 'A'));
  EXPECT_EQ(rewrap_base64("QU\r\nJD\r\n"), "QUJD\r\n");
  // No line begins with "-": "--boundary" there would end the part.
  EXPECT_EQ(rewrap_base64(std::string(76, 'A') + "--b" + std::string(100, 'B') + "\r\n"),
            std::string(76, 'A') + "--" + "\r\nb" + std::string(75, 'B') + "\r\n" +
                std::string(25, 'B') + "\r\n");
}

}  // namespace
}  // namespace stsrelay::smtp
