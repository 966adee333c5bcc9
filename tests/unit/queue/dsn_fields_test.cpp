#include "queue/dsn_fields.hpp"

#include <gtest/gtest.h>

#include "table_test.hpp"

namespace stsrelay::queue {
namespace {

TEST(DsnFields, StatusCodes) {
  const testing::Example<std::string_view, bool> rows[] = {
      {"5.1.1", true},     {"4.7.5", true},     {"2.0.0", true}, {"5.1.10", true},
      {"4.999.999", true}, {"3.0.0", false},    {"5.1", false},  {"5..1", false},
      {"5.1.1 ", false},   {"5.1000.1", false}, {"", false},     {"5-1-1", false},
  };
  testing::expect_rows(rows, [](std::string_view code) { return is_status_code(code); });
}

TEST(DsnFields, OneLineAndTypedFields) {
  // `in` is what the field function made of its input.
  const testing::Row<std::string, std::string> rows[] = {
      {"folds breaks and runs of blanks", one_line("a\r\n  b\tc ", false), "a b c"},
      {"controls become ?",
       one_line(std::string("a\x01"
                            "b\x7f",
                            4),
                false),
       "a?b?"},
      {"8-bit masked outside global", one_line("caf\xC3\xA9", false), "caf??"},
      {"8-bit kept in global", one_line("caf\xC3\xA9", true), "caf\xC3\xA9"},
      {"cut on a character boundary", one_line(std::string(899, 'a') + "\xC3\xA9", true),
       std::string(899, 'a')},
      {"smtp reply", diagnostic_field("421 4.4.2 timeout", false), "smtp; 421 4.4.2 timeout"},
      {"bare code", diagnostic_field("554", false), "smtp; 554"},
      {"multi-line reply", diagnostic_field("550-a\r\n550 b", false), "smtp; 550-a 550 b"},
      {"local reason", diagnostic_field("no MX for example.net", false),
       "X-Stsrelay; no MX for example.net"},
      {"digits but no reply", diagnostic_field("1234 things", false), "X-Stsrelay; 1234 things"},
      {"ascii address", address_field("a@example.com", true), "rfc822; a@example.com"},
      {"utf-8 address in global", address_field("\xC3\xA9@example.com", true),
       "utf-8; \xC3\xA9@example.com"},
      {"orcpt decoded", original_recipient("rfc822;a+2Bb@example.com", false),
       "rfc822; a+b@example.com"},
      {"orcpt without type", original_recipient("a@example.com", false), "a@example.com"},
      {"orcpt decoding to 8-bit outside global stays xtext",
       original_recipient("utf-8;j+C3+B6rg@example.com", false), "utf-8; j+C3+B6rg@example.com"},
  };
  testing::expect_rows(rows, [](const std::string& got) { return got; });
  EXPECT_EQ(cap_line(std::string(2000, 'x')).size(), 990u);
  EXPECT_EQ(cap_line(std::string(989, 'x') + "\xC3\xA9").size(), 989u);
}

}  // namespace
}  // namespace stsrelay::queue
