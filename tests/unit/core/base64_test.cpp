// Base64 of src/core/base64.hpp: RFC 4648 §10 vectors, strict decoding for SMTP AUTH, and
// passlib's adapted form for password hashes.
#include "src/core/base64.hpp"

#include <gtest/gtest.h>

#include <optional>
#include <string>

#include "table_test.hpp"

namespace stsrelay::core {
namespace {

// A row: the text, and the bytes it decodes to (nullopt: refused).
using DecodeRow = testing::Row<std::string, std::optional<std::string>>;

TEST(Base64, DecodeTable) {
  const DecodeRow rows[] = {
      // RFC 4648 §10 test vectors
      {"empty", "", ""},
      {"f", "Zg==", "f"},
      {"fo", "Zm8=", "fo"},
      {"foo", "Zm9v", "foo"},
      {"foob", "Zm9vYg==", "foob"},
      {"fooba", "Zm9vYmE=", "fooba"},
      {"foobar", "Zm9vYmFy", "foobar"},
      {"PLAIN message", "AHVzZXIAcGFzcw==", std::string("\0user\0pass", 10)},
      {"missing padding", "Zg", std::nullopt},
      {"bad character", "Zm9*", std::nullopt},
      {"padding in the middle", "Zg==Zm9v", std::nullopt},
      {"three pads", "Z===", std::nullopt},
      {"data after pad", "Zm=v", std::nullopt},
      {"non-canonical bits", "Zh==", std::nullopt},
      {"whitespace", "Zm9v Zm9v", std::nullopt},
  };
  testing::expect_rows(rows, decode_base64);
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
  const DecodeRow rows[] = {
      {"empty", "", ""},
      {"adapted, no padding", "Zg", "f"},
      {"standard with padding", "Zg==", "f"},
      {"dot is 62", "../.", "\xfb\xef\xfe"},
      {"plus is 62 too", "++/+", "\xfb\xef\xfe"},
      {"slash", "//", "\xff"},
      {"dropped bits not checked", "Zh", "f"},
      {"length 1 mod 4", "Zm9vY", std::nullopt},
      {"bad character", "Zm9*", std::nullopt},
      {"whitespace", "Zm9v Zg", std::nullopt},
  };
  testing::expect_rows(rows, decode_ab64);
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
