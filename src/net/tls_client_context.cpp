#include "src/net/tls_client_context.hpp"

#include <openssl/err.h>
#include <openssl/ssl.h>

#include <boost/asio/ssl/context.hpp>

#include "src/net/openssl_errors.hpp"

namespace stsrelay::net {

core::Result<std::shared_ptr<boost::asio::ssl::context>> make_client_tls_context(
    const std::string& ca_file) {
  namespace ssl = boost::asio::ssl;
  auto ctx = std::make_shared<ssl::context>(ssl::context::tls_client);
  SSL_CTX* native = ctx->native_handle();
  ERR_clear_error();
  if (SSL_CTX_set_min_proto_version(native, TLS1_2_VERSION) != 1) {
    return core::Error::invalid("cannot set TLS 1.2 as minimum version: " + take_openssl_errors());
  }
  SSL_CTX_set_options(native, SSL_OP_NO_RENEGOTIATION | SSL_OP_NO_COMPRESSION);
  // The handshake records nothing and refuses nothing; judge_peer() runs afterwards.
  SSL_CTX_set_verify(native, SSL_VERIFY_NONE, nullptr);
  if (ca_file.empty()) {
    if (SSL_CTX_set_default_verify_paths(native) != 1) {
      return core::Error::invalid("cannot use the system trust store: " + take_openssl_errors());
    }
  } else if (SSL_CTX_load_verify_locations(native, ca_file.c_str(), nullptr) != 1) {
    return core::Error::invalid("cannot load CA file \"" + ca_file + "\" (delivery.ca_file): " +
                                take_openssl_errors());
  }
  return ctx;
}

}  // namespace stsrelay::net
