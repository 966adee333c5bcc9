#include "src/net/tls_client_context.hpp"

#include <openssl/err.h>
#include <openssl/ssl.h>

#include <boost/asio/ssl/context.hpp>

namespace stsrelay::net {
namespace {

std::string openssl_errors() {
  std::string out;
  for (unsigned long e = ERR_get_error(); e != 0; e = ERR_get_error()) {
    char buf[256];
    ERR_error_string_n(e, buf, sizeof buf);
    if (!out.empty()) out += "; ";
    out += buf;
  }
  return out.empty() ? "unknown OpenSSL error" : out;
}

}  // namespace

core::Result<std::shared_ptr<boost::asio::ssl::context>> make_client_tls_context(
    const std::string& ca_file) {
  namespace ssl = boost::asio::ssl;
  auto ctx = std::make_shared<ssl::context>(ssl::context::tls_client);
  SSL_CTX* native = ctx->native_handle();
  ERR_clear_error();
  if (SSL_CTX_set_min_proto_version(native, TLS1_2_VERSION) != 1) {
    return core::Error::invalid("cannot set TLS 1.2 as minimum version: " + openssl_errors());
  }
  SSL_CTX_set_options(native, SSL_OP_NO_RENEGOTIATION | SSL_OP_NO_COMPRESSION);
  // The handshake records nothing and refuses nothing; judge_peer() runs afterwards.
  SSL_CTX_set_verify(native, SSL_VERIFY_NONE, nullptr);
  if (ca_file.empty()) {
    if (SSL_CTX_set_default_verify_paths(native) != 1) {
      return core::Error::invalid("cannot use the system trust store: " + openssl_errors());
    }
  } else if (SSL_CTX_load_verify_locations(native, ca_file.c_str(), nullptr) != 1) {
    return core::Error::invalid("cannot load CA file \"" + ca_file + "\" (delivery.ca_file): " +
                                openssl_errors());
  }
  return ctx;
}

}  // namespace stsrelay::net
