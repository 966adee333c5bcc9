// smtp/quoted_printable.hpp: RFC 2045 §6.7 encoding, decoding and soft-breaking.
#include "smtp/quoted_printable.hpp"

#include <gtest/gtest.h>

#include <cstdint>
#include <random>
#include <string>
#include <vector>

#include "smtp/crlf_lines.hpp"

namespace stsrelay::smtp {
namespace {

TEST(QuotedPrintable, EncodeTable) {
  struct Row {
    const char* name;
    std::string data;
    QpLineBreaks breaks;
    std::string encoded;
  };
  const std::vector<Row> rows = {
      {"empty", "", QpLineBreaks::hard, ""},
      {"plain text stays", "Hello, world.\r\n", QpLineBreaks::hard, "Hello, world.\r\n"},
      {"equals sign", "a=b\r\n", QpLineBreaks::hard, "a=3Db\r\n"},
      {"8-bit octets, upper-case hex", "caf\xc3\xa9\r\n", QpLineBreaks::hard, "caf=C3=A9\r\n"},
      {"controls", std::string("\x01\x7f\0", 3), QpLineBreaks::hard, "=01=7F=00"},
      {"space before CRLF", "a \r\nb\t\r\n", QpLineBreaks::hard, "a=20\r\nb=09\r\n"},
      {"space at the end of the data", "a ", QpLineBreaks::hard, "a=20"},
      {"inner spaces stay", "a b\tc\r\n", QpLineBreaks::hard, "a b\tc\r\n"},
      {"empty lines", "\r\n\r\n", QpLineBreaks::hard, "\r\n\r\n"},
      {"no final CRLF", "a\r\nb", QpLineBreaks::hard, "a\r\nb"},
      {"76 characters fit on one line", std::string(76, 'x') + "\r\n", QpLineBreaks::hard,
       std::string(76, 'x') + "\r\n"},
      {"77 characters take a soft break", std::string(77, 'x') + "\r\n", QpLineBreaks::hard,
       std::string(75, 'x') + "=\r\nxx\r\n"},
      {"a triplet is never split", std::string(74, 'x') + "\xff" + "y\r\n", QpLineBreaks::hard,
       std::string(74, 'x') + "=\r\n=FFy\r\n"},
      {"a dash after a soft break is encoded", std::string(75, 'x') + "--b\r\n-x\r\n",
       QpLineBreaks::hard, std::string(75, 'x') + "=\r\n=2D-b\r\n-x\r\n"},
      {"binary: CRLF encoded, the final one kept", "a\r\nb\r\n", QpLineBreaks::encoded,
       "a=0D=0Ab\r\n"},
      {"binary: a final CRLF stays a line break", "a\r\n", QpLineBreaks::encoded, "a\r\n"},
      {"binary: space before an encoded CRLF stays", "a \r\nb", QpLineBreaks::encoded,
       "a =0D=0Ab"},
  };
  for (const Row& row : rows) {
    SCOPED_TRACE(row.name);
    const std::string encoded = encode_quoted_printable(row.data, row.breaks);
    EXPECT_EQ(encoded, row.encoded);
    EXPECT_EQ(decode_quoted_printable(encoded), row.data);
  }
}

TEST(QuotedPrintable, DecodeTable) {
  struct Row {
    const char* name;
    std::string text;
    std::optional<std::string> data;
  };
  const std::vector<Row> rows = {
      {"soft break", "ab=\r\ncd\r\n", "abcd\r\n"},
      {"lower-case hex", "=c3=a9", "\xc3\xa9"},
      {"transport padding dropped", "ab  \r\ncd=  \r\ne", "ab\r\ncde"},
      {"soft break at the end", "ab=", "ab"},
      {"= without hex", "a=G1", std::nullopt},
      {"= with one hex digit at the end", "a=4", std::nullopt},
      {"8-bit octet", "caf\xc3\xa9", std::nullopt},
      {"control", std::string("a\0b", 3), std::nullopt},
  };
  for (const Row& row : rows) {
    SCOPED_TRACE(row.name);
    EXPECT_EQ(decode_quoted_printable(row.text), row.data);
  }
}

TEST(QuotedPrintable, SoftBreakTable) {
  struct Row {
    const char* name;
    std::string text;
    std::string broken;
  };
  const std::string x75(75, 'x');
  const std::vector<Row> rows = {
      {"short lines stay", "abc\r\n" + std::string(76, 'y') + "\r\n",
       "abc\r\n" + std::string(76, 'y') + "\r\n"},
      {"a long line", x75 + "abcd\r\nz\r\n", x75 + "=\r\nabcd\r\nz\r\n"},
      {"never inside a triplet", std::string(74, 'x') + "=3Dabc\r\n",
       std::string(74, 'x') + "=\r\n=3Dabc\r\n"},
      {"a malformed = keeps its octet", std::string(74, 'x') + "=G" + std::string(5, 'w'),
       std::string(74, 'x') + "=\r\n=G" + std::string(5, 'w')},
      {"a soft break at the end stays last", x75 + "ab=\r\nc\r\n", x75 + "=\r\nab=\r\nc\r\n"},
      {"a dash after a soft break is encoded", x75 + "--b\r\n", x75 + "=\r\n=2D-b\r\n"},
      {"trailing padding dropped", x75 + "ab   \r\n", x75 + "=\r\nab\r\n"},
  };
  for (const Row& row : rows) {
    SCOPED_TRACE(row.name);
    const std::string broken = soft_break_quoted_printable(row.text);
    EXPECT_EQ(broken, row.broken);
    EXPECT_EQ(decode_quoted_printable(broken), decode_quoted_printable(row.text));
  }
}

// Random data of CRLF-terminated lines, with the octets that stress the encoder (=, SP, HTAB,
// 8-bit, NUL) frequent, and line lengths from empty to several thousand.
std::string random_lines(std::mt19937& rng) {
  static const std::string kOctets = std::string("= \t\xff\x80~!aZ.", 11) + std::string(1, '\0');
  std::uniform_int_distribution<int> lines(0, 6);
  std::uniform_int_distribution<int> length(0, 3000);
  std::uniform_int_distribution<int> kind(0, 3);
  std::uniform_int_distribution<int> octet(0, 255);
  std::uniform_int_distribution<std::size_t> pick(0, kOctets.size() - 1);
  std::string out;
  for (int n = lines(rng); n > 0; --n) {
    const int len = kind(rng) == 0 ? length(rng) : length(rng) % 90;
    for (int i = 0; i < len; ++i) {
      char c = kind(rng) == 0 ? static_cast<char>(octet(rng)) : kOctets[pick(rng)];
      if (c == '\r' || c == '\n') c = 'x';
      out += c;
    }
    out += "\r\n";
  }
  return out;
}

TEST(QuotedPrintable, RoundTripProperty) {
  std::mt19937 rng(20250701);
  for (int i = 0; i < 2000; ++i) {
    const std::string data = random_lines(rng);
    SCOPED_TRACE(i);
    for (QpLineBreaks breaks : {QpLineBreaks::hard, QpLineBreaks::encoded}) {
      const std::string encoded = encode_quoted_printable(data, breaks);
      ASSERT_EQ(decode_quoted_printable(encoded), data);
      ASSERT_FALSE(has_line_longer_than(encoded, kQpLineLength));
      // Soft-breaking a valid encoding changes nothing; a re-joined one is split again.
      ASSERT_EQ(soft_break_quoted_printable(encoded), encoded);
    }
  }
}

TEST(QuotedPrintable, SoftBreakProperty) {
  std::mt19937 rng(7);
  for (int i = 0; i < 500; ++i) {
    SCOPED_TRACE(i);
    const std::string data = random_lines(rng);
    // An encoding with its soft breaks removed: valid quoted-printable with long lines.
    std::string joined = encode_quoted_printable(data);
    for (std::size_t p; (p = joined.find("=\r\n")) != std::string::npos;) joined.erase(p, 3);
    const std::string broken = soft_break_quoted_printable(joined);
    ASSERT_FALSE(has_line_longer_than(broken, kQpLineLength));
    ASSERT_EQ(decode_quoted_printable(broken), data);
  }
}

}  // namespace
}  // namespace stsrelay::smtp
