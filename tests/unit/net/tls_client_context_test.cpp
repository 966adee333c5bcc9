#include "src/net/tls_client_context.hpp"

#include <gtest/gtest.h>
#include <unistd.h>

#include <boost/asio/ssl/context.hpp>
#include <filesystem>
#include <fstream>

#include "test_ca.hpp"

namespace stsrelay::net {
namespace {

TEST(TlsClientContext, SystemStoreWhenNoCaFile) {
  auto ctx = make_client_tls_context("");
  ASSERT_TRUE(ctx.ok()) << ctx.error().message;
  SSL_CTX* native = ctx.value()->native_handle();
  EXPECT_EQ(SSL_CTX_get_min_proto_version(native), TLS1_2_VERSION);
  EXPECT_EQ(SSL_CTX_get_verify_mode(native), SSL_VERIFY_NONE);
}

TEST(TlsClientContext, LoadsCaFileIntoTheStore) {
  auto dir = std::filesystem::temp_directory_path() /
             ("stsrelay-client-ctx-" + std::to_string(::getpid()));
  testing::TestCa ca;
  testing::write_test_pem(dir / "ca.pem", {ca.ca().cert.get()});
  auto ctx = make_client_tls_context((dir / "ca.pem").string());
  ASSERT_TRUE(ctx.ok()) << ctx.error().message;
  X509_STORE* store = SSL_CTX_get_cert_store(ctx.value()->native_handle());
  STACK_OF(X509_OBJECT)* objects = X509_STORE_get0_objects(store);
  EXPECT_EQ(sk_X509_OBJECT_num(objects), 1);
  std::filesystem::remove_all(dir);
}

TEST(TlsClientContext, MissingCaFileNamesFileAndKey) {
  auto ctx = make_client_tls_context("/nonexistent/ca.pem");
  ASSERT_FALSE(ctx.ok());
  EXPECT_NE(ctx.error().message.find("/nonexistent/ca.pem"), std::string::npos);
  EXPECT_NE(ctx.error().message.find("delivery.ca_file"), std::string::npos);
}

}  // namespace
}  // namespace stsrelay::net
