// The ASCII predicates and case folding of src/core/ascii.hpp, checked against their RFC 5234
// definitions over every octet, then the string functions on tables.
#include "src/core/ascii.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace stsrelay::core {
namespace {

TEST(AsciiPredicates, EveryOctet) {
  for (int i = 0; i < 256; ++i) {
    const char c = static_cast<char>(i);
    SCOPED_TRACE(i);
    const bool upper = i >= 'A' && i <= 'Z';
    const bool lower = i >= 'a' && i <= 'z';
    const bool digit = i >= '0' && i <= '9';
    EXPECT_EQ(is_alpha(c), upper || lower);
    EXPECT_EQ(is_digit(c), digit);
    EXPECT_EQ(is_alnum(c), upper || lower || digit);
    EXPECT_EQ(is_hex(c), digit || (i >= 'a' && i <= 'f') || (i >= 'A' && i <= 'F'));
    EXPECT_EQ(is_wsp(c), i == ' ' || i == '\t');
    EXPECT_EQ(is_vchar(c), i >= 0x21 && i <= 0x7e);
    EXPECT_EQ(is_printable(c), i >= 0x20 && i <= 0x7e);
    EXPECT_EQ(is_non_ascii(c), i >= 0x80);
    const int hex = digit ? i - '0'
                    : (i >= 'a' && i <= 'f') ? i - 'a' + 10
                    : (i >= 'A' && i <= 'F') ? i - 'A' + 10
                                             : -1;
    EXPECT_EQ(hex_value(c), hex);
    EXPECT_EQ(ascii_lower(c), upper ? static_cast<char>(i + 32) : c);
    EXPECT_EQ(ascii_upper(c), lower ? static_cast<char>(i - 32) : c);
  }
}

TEST(AsciiCase, Table) {
  struct Row {
    std::string a;
    std::string b;
    bool equal;
  };
  const std::vector<Row> rows = {
      {"", "", true},
      {"MX.Example.COM", "mx.example.com", true},
      {"Content-Type", "content-type", true},
      {"a", "ab", false},
      {"[", "{", false},             // 0x5b and 0x7b differ by 0x20 but are not letters
      {"@", "`", false},
      {"\xc3\x89", "\xc3\xa9", false},  // É and é: only ASCII letters fold
      {std::string("a\0b", 3), std::string("A\0B", 3), true},
  };
  for (const Row& row : rows) {
    SCOPED_TRACE(row.a + " | " + row.b);
    EXPECT_EQ(iequals(row.a, row.b), row.equal);
    EXPECT_EQ(iequals(row.b, row.a), row.equal);
    EXPECT_EQ(to_lower_ascii(row.a) == to_lower_ascii(row.b), row.equal);
    EXPECT_EQ(to_upper_ascii(row.a) == to_upper_ascii(row.b), row.equal);
  }
  EXPECT_EQ(to_lower_ascii("MiXeD 123 \xc3\x89"), "mixed 123 \xc3\x89");
  EXPECT_EQ(to_upper_ascii("MiXeD 123 \xc3\xa9"), "MIXED 123 \xc3\xa9");
}

TEST(AsciiCase, StartsWith) {
  struct Row {
    const char* s;
    const char* prefix;
    bool expected;
  };
  const Row rows[] = {
      {"MAILTO:a@example.com", "mailto:", true},
      {"https://example.com", "HTTPS://", true},
      {"IPv6:::1", "ipv6:", true},
      {"mail", "mailto:", false},
      {"", "", true},
      {"x", "", true},
      {"mailtx:", "mailto:", false},
  };
  for (const Row& row : rows) {
    SCOPED_TRACE(row.s);
    EXPECT_EQ(istarts_with(row.s, row.prefix), row.expected);
  }
}

TEST(AsciiStrings, DigitsNonAsciiTrim) {
  EXPECT_TRUE(is_digits("0"));
  EXPECT_TRUE(is_digits("2026"));
  EXPECT_FALSE(is_digits(""));
  EXPECT_FALSE(is_digits("12a"));
  EXPECT_FALSE(is_digits("-1"));
  EXPECT_FALSE(is_digits(" 1"));

  EXPECT_FALSE(has_non_ascii(""));
  EXPECT_FALSE(has_non_ascii("plain \x7f"));
  EXPECT_TRUE(has_non_ascii("caf\xc3\xa9"));
  EXPECT_TRUE(has_non_ascii("\x80"));

  EXPECT_EQ(trim_wsp(" \tkey \t"), "key");
  EXPECT_EQ(trim_wsp("a b"), "a b");
  EXPECT_EQ(trim_wsp(" \t "), "");
  EXPECT_EQ(trim_wsp("\r\nx\r\n"), "\r\nx\r\n");  // only SP and HTAB are WSP
}

}  // namespace
}  // namespace stsrelay::core
