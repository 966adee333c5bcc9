// The client side of the TLS tests: a context built by net::make_client_tls_context() from a CA
// file that holds only the test CA, as delivery.ca_file would.
#pragma once

#include <gtest/gtest.h>

#include <boost/asio/ssl/context.hpp>
#include <filesystem>
#include <memory>

#include "src/net/tls_client_context.hpp"
#include "test_ca.hpp"

namespace stsrelay::testing {

// Writes `ca`'s certificate to dir/ca.pem and builds the client context on it; null after a
// failed expectation.
inline std::shared_ptr<boost::asio::ssl::context> client_context_trusting(
    const TestCa& ca, const std::filesystem::path& dir) {
  write_test_pem(dir / "ca.pem", {ca.ca().cert.get()});
  auto ctx = net::make_client_tls_context((dir / "ca.pem").string());
  EXPECT_TRUE(ctx.ok()) << ctx.error().message;
  return ctx.ok() ? *ctx : nullptr;
}

}  // namespace stsrelay::testing
