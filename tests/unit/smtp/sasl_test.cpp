#include "smtp/sasl.hpp"

#include <gtest/gtest.h>

namespace stsrelay::smtp {
namespace {

struct PlainRow {
  const char* name;
  std::string message;
  bool ok;
  std::string authzid, authcid, password;
};

TEST(SaslPlain, Table) {
  const PlainRow rows[] = {
      {"no authzid", std::string("\0tim\0tanstaaftanstaaf", 21), true, "", "tim",
       "tanstaaftanstaaf"},
      {"with authzid", std::string("Ursel\0Kurt\0xipj3plmq", 20), true, "Ursel", "Kurt",
       "xipj3plmq"},
      {"one NUL", std::string("\0timpass", 8), false, "", "", ""},
      {"empty authcid", std::string("\0\0pass", 6), false, "", "", ""},
      {"empty password", std::string("\0tim\0", 5), false, "", "", ""},
      {"NUL in password", std::string("\0tim\0pa\0ss", 10), false, "", "", ""},
      {"authcid over 255", std::string("\0", 1) + std::string(256, 'u') + std::string("\0p", 2),
       false, "", "", ""},
  };
  for (const auto& row : rows) {
    SCOPED_TRACE(row.name);
    auto r = parse_sasl_plain(row.message);
    ASSERT_EQ(r.has_value(), row.ok);
    if (r) {
      EXPECT_EQ(r->authzid, row.authzid);
      EXPECT_EQ(r->authcid, row.authcid);
      EXPECT_EQ(r->password, row.password);
    }
  }
}

}  // namespace
}  // namespace stsrelay::smtp
