// Base64 of src/core/base64.hpp: RFC 4648 §10 vectors, strict decoding for SMTP AUTH, and
// passlib's adapted form for password hashes.
#include "src/core/base64.hpp"

#include <gtest/gtest.h>

#include <string>

namespace stsrelay::core {
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

TEST(Base64, EncodeVectors) {
  // RFC 4648 §10, and every octet value so that both alphabet ends appear.
  EXPECT_EQ(encode_base64(""), "");
  EXPECT_EQ(encode_base64("f"), "Zg==");
  EXPECT_EQ(encode_base64("fo"), "Zm8=");
  EXPECT_EQ(encode_base64("foobar"), "Zm9vYmFy");
  EXPECT_EQ(encode_base64("\xfb\xff\xbf"), "+/+/");
  std::string all;
  for (int i = 0; i < 256; ++i) all += static_cast<char>(i);
  auto back = decode_base64(encode_base64(all));
  ASSERT_TRUE(back);
  EXPECT_EQ(*back, all);
}

TEST(Ab64, Table) {
  struct Row {
    const char* name;
    std::string text;
    bool ok;
    std::string bytes;
  };
  const Row rows[] = {
      {"empty", "", true, ""},
      {"adapted, no padding", "Zg", true, "f"},
      {"standard with padding", "Zg==", true, "f"},
      {"dot is 62", "../.", true, "\xfb\xef\xfe"},
      {"plus is 62 too", "++/+", true, "\xfb\xef\xfe"},
      {"slash", "//", true, "\xff"},
      {"dropped bits not checked", "Zh", true, "f"},
      {"length 1 mod 4", "Zm9vY", false, ""},
      {"bad character", "Zm9*", false, ""},
      {"whitespace", "Zm9v Zg", false, ""},
  };
  for (const Row& row : rows) {
    SCOPED_TRACE(row.name);
    const auto r = decode_ab64(row.text);
    ASSERT_EQ(r.has_value(), row.ok);
    if (r) {
      EXPECT_EQ(*r, row.bytes);
    }
  }
}

TEST(Ab64, EncodeIsStandardWithDotsAndNoPadding) {
  EXPECT_EQ(encode_ab64("f"), "Zg");
  EXPECT_EQ(encode_ab64("fo"), "Zm8");
  EXPECT_EQ(encode_ab64("foo"), "Zm9v");
  EXPECT_EQ(encode_ab64("\xfb\xef\xfe"), "../.");
  std::string all;
  for (int i = 0; i < 256; ++i) all += static_cast<char>(255 - i);
  auto back = decode_ab64(encode_ab64(all));
  ASSERT_TRUE(back);
  EXPECT_EQ(*back, all);
}

}  // namespace
}  // namespace stsrelay::core
