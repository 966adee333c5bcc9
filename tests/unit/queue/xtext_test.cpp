#include "queue/xtext.hpp"

#include <gtest/gtest.h>

#include "table_test.hpp"

namespace stsrelay::queue {
namespace {

TEST(Xtext, DecodesAndRejects) {
  const testing::Row<std::string_view, std::optional<std::string>> rows[] = {
      {"plain", "user@example.com", "user@example.com"},
      {"plus", "a+2Bb@example.com", "a+b@example.com"},
      {"equals and space", "x+3Dy+20z", "x=y z"},
      {"utf-8 octets", "j+C3+B6rg", "j\xC3\xB6rg"},
      {"empty", "", ""},
      {"lower-case hex is not xtext", "a+2bb", std::nullopt},
      {"truncated escape", "abc+2", std::nullopt},
      {"escape at the end", "abc+", std::nullopt},
      {"raw equals", "a=b", std::nullopt},
      {"raw space", "a b", std::nullopt},
      {"raw 8-bit", "j\xC3\xB6rg", std::nullopt},
  };
  testing::expect_rows(rows, [](std::string_view xtext) { return decode_xtext(xtext); });
}

TEST(Xtext, EncodeRoundTrips) {
  const std::string samples[] = {"user@example.com", "a+b=c d", "j\xC3\xB6rg", "", "\x01\x7f"};
  for (const auto& text : samples) {
    SCOPED_TRACE(text);
    EXPECT_EQ(decode_xtext(encode_xtext(text)), text);
  }
  EXPECT_EQ(encode_xtext("a+b=c"), "a+2Bb+3Dc");
}

}  // namespace
}  // namespace stsrelay::queue
