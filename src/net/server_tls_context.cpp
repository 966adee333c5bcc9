#include "src/net/server_tls_context.hpp"

#include <openssl/err.h>
#include <openssl/ssl.h>

#include <boost/asio/ssl/context.hpp>

#include "src/net/openssl_errors.hpp"

namespace stsrelay::net {

core::Result<std::shared_ptr<boost::asio::ssl::context>> load_server_tls_context(
    const std::string& cert_chain_file, const std::string& key_file) {
  namespace ssl = boost::asio::ssl;
  auto ctx = std::make_shared<ssl::context>(ssl::context::tls_server);
  SSL_CTX* native = ctx->native_handle();
  ERR_clear_error();
  SSL_CTX_set_min_proto_version(native, TLS1_2_VERSION);
  SSL_CTX_set_options(native, SSL_OP_NO_RENEGOTIATION | SSL_OP_CIPHER_SERVER_PREFERENCE |
                                  SSL_OP_NO_COMPRESSION);
  if (SSL_CTX_use_certificate_chain_file(native, cert_chain_file.c_str()) != 1) {
    return core::Error::invalid("cannot load TLS certificate chain \"" + cert_chain_file +
                                "\": " + take_openssl_errors());
  }
  if (SSL_CTX_use_PrivateKey_file(native, key_file.c_str(), SSL_FILETYPE_PEM) != 1) {
    return core::Error::invalid("cannot load TLS private key \"" + key_file +
                                "\": " + take_openssl_errors());
  }
  if (SSL_CTX_check_private_key(native) != 1) {
    return core::Error::invalid("TLS private key \"" + key_file +
                                "\" does not match the certificate in \"" + cert_chain_file +
                                "\": " + take_openssl_errors());
  }
  return ctx;
}

}  // namespace stsrelay::net
