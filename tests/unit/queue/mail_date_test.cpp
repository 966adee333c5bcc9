#include "queue/mail_date.hpp"

#include <gtest/gtest.h>

#include "queue/xtext.hpp"
#include "table_test.hpp"

namespace stsrelay::queue {
namespace {

TEST(MailDate, FormatsRfc5322DateTimeInUtc) {
  const testing::Example<std::int64_t, std::string_view> rows[] = {
      {1'800'000'000, "Fri, 15 Jan 2027 08:00:00 +0000"},
      {1'799'823'539, "Wed, 13 Jan 2027 06:58:59 +0000"},
      {0, "Thu, 01 Jan 1970 00:00:00 +0000"},
      {951'782'400, "Tue, 29 Feb 2000 00:00:00 +0000"},
      {4'102'444'799, "Thu, 31 Dec 2099 23:59:59 +0000"},
  };
  testing::expect_rows(rows, [](std::int64_t t) { return format_mail_date(core::from_unix(t)); });
  // Sub-second parts are dropped, not rounded.
  EXPECT_EQ(format_mail_date(core::from_unix(0) + std::chrono::milliseconds(999)),
            "Thu, 01 Jan 1970 00:00:00 +0000");
}

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
