// The extension-field syntax shared by the MTA-STS TXT record, the policy file and the TLS-RPT
// record (sts/field_syntax.hpp): RFC 8461 §3.1 sts-ext-name and sts-ext-value.
#include "sts/field_syntax.hpp"

#include <gtest/gtest.h>

#include <string>

namespace stsrelay::sts {
namespace {

TEST(FieldSyntax, ExtName) {
  struct Row {
    std::string name;
    bool ok;
  };
  const Row rows[] = {
      {"id", true},
      {"max_age", true},
      {"x-ext.1", true},
      {"9lives", true},
      {std::string(32, 'a'), true},   // 1 + *31
      {std::string(33, 'a'), false},
      {"", false},
      {"_x", false},  // the first character is ALPHA / DIGIT
      {"-x", false},
      {".x", false},
      {"a b", false},
      {"a=b", false},
      {"caf\xc3\xa9", false},
  };
  for (const Row& row : rows) {
    SCOPED_TRACE(row.name);
    EXPECT_EQ(is_ext_name(row.name), row.ok);
  }
}

TEST(FieldSyntax, ExtValueChar) {
  for (int i = 0; i < 256; ++i) {
    SCOPED_TRACE(i);
    const bool expected = (i >= 0x21 && i <= 0x3a) || i == 0x3c || (i >= 0x3e && i <= 0x7e);
    EXPECT_EQ(is_ext_value_char(static_cast<char>(i)), expected);
  }
}

}  // namespace
}  // namespace stsrelay::sts
