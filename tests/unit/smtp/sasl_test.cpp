#include "smtp/sasl.hpp"

#include <gtest/gtest.h>

namespace stsrelay::smtp {
namespace {

struct Base64Row {
  const char* name;
  std::string text;
  bool ok;
  std::string bytes;
};

TEST(Base64, DecodeTable) {
  const Base64Row rows[] = {
      // RFC 4648 §10 test vectors
      {"empty", "", true, ""},
      {"f", "Zg==", true, "f"},
      {"fo", "Zm8=", true, "fo"},
      {"foo", "Zm9v", true, "foo"},
      {"foob", "Zm9vYg==", true, "foob"},
      {"fooba", "Zm9vYmE=", true, "fooba"},
      {"foobar", "Zm9vYmFy", true, "foobar"},
      {"PLAIN message", "AHVzZXIAcGFzcw==", true, std::string("\0user\0pass", 10)},
      {"missing padding", "Zg", false, ""},
      {"bad character", "Zm9*", false, ""},
      {"padding in the middle", "Zg==Zm9v", false, ""},
      {"three pads", "Z===", false, ""},
      {"data after pad", "Zm=v", false, ""},
      {"non-canonical bits", "Zh==", false, ""},
      {"whitespace", "Zm9v Zm9v", false, ""},
  };
  for (const auto& row : rows) {
    SCOPED_TRACE(row.name);
    auto r = decode_base64(row.text);
    ASSERT_EQ(r.has_value(), row.ok);
    if (r) {
      EXPECT_EQ(*r, row.bytes);
    }
  }
}

TEST(Base64, EncodeRoundTrips) {
  for (std::string s : {"", "f", "fo", "foo", "foob", "fooba", "foobar", "Username:"}) {
    SCOPED_TRACE(s);
    auto back = decode_base64(encode_base64(s));
    ASSERT_TRUE(back);
    EXPECT_EQ(*back, s);
  }
  EXPECT_EQ(encode_base64("Username:"), "VXNlcm5hbWU6");
  EXPECT_EQ(encode_base64("Password:"), "UGFzc3dvcmQ6");
}

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
