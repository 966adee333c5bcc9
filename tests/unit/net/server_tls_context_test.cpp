#include "src/net/server_tls_context.hpp"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "self_signed_cert.hpp"
#include "temp_dir.hpp"

namespace stsrelay::net {
namespace {

class ServerTlsContextTest : public ::testing::Test {
 protected:
  void SetUp() override {
    files_ = testing::write_self_signed_cert(dir_.path(), "relay.example.org");
  }

  testing::TempDir dir_{"tls"};
  testing::CertFiles files_;
};

TEST_F(ServerTlsContextTest, LoadsCertificateAndKey) {
  auto ctx = load_server_tls_context(files_.cert, files_.key);
  ASSERT_TRUE(ctx.ok()) << ctx.error().message;
  EXPECT_NE(ctx.value(), nullptr);
}

TEST_F(ServerTlsContextTest, MissingCertificateNamesTheFile) {
  auto ctx = load_server_tls_context((dir_.path() / "missing.pem").string(), files_.key);
  ASSERT_FALSE(ctx.ok());
  EXPECT_NE(ctx.error().message.find("missing.pem"), std::string::npos);
}

TEST_F(ServerTlsContextTest, MissingKeyNamesTheFile) {
  auto ctx = load_server_tls_context(files_.cert, (dir_.path() / "nokey.pem").string());
  ASSERT_FALSE(ctx.ok());
  EXPECT_NE(ctx.error().message.find("nokey.pem"), std::string::npos);
}

TEST_F(ServerTlsContextTest, KeyOfAnotherCertificateIsRefused) {
  auto other = testing::write_self_signed_cert(dir_.path() / "other", "other.example.org");
  auto ctx = load_server_tls_context(files_.cert, other.key);
  ASSERT_FALSE(ctx.ok());
  // OpenSSL refuses the key already when it is loaded ("key values mismatch").
  EXPECT_NE(ctx.error().message.find(other.key.string()), std::string::npos);
}

TEST_F(ServerTlsContextTest, GarbageCertificateIsRefused) {
  std::ofstream(dir_.path() / "garbage.pem") << "not a certificate\n";
  auto ctx = load_server_tls_context((dir_.path() / "garbage.pem").string(), files_.key);
  ASSERT_FALSE(ctx.ok());
  EXPECT_NE(ctx.error().message.find("garbage.pem"), std::string::npos);
}

}  // namespace
}  // namespace stsrelay::net
