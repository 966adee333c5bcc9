#include "src/net/https_tls.hpp"

#include <openssl/ssl.h>
#include <openssl/x509_vfy.h>

#include "src/net/openssl_errors.hpp"

namespace stsrelay::net::https_detail {
namespace ssl = boost::asio::ssl;
namespace {

// ALPN protocol list (RFC 7301 §3.1): length-prefixed tokens, most preferred first.
constexpr unsigned char kAlpn[] = {2, 'h', '2', 8, 'h', 't', 't', 'p', '/', '1', '.', '1'};

}  // namespace

core::Result<std::shared_ptr<ssl::context>> make_tls_context(const std::string& ca_file) {
  auto ctx = std::make_shared<ssl::context>(ssl::context::tls_client);
  SSL_CTX* native = ctx->native_handle();
  // RFC 8461 §3.3 and RFC 8996: nothing older than TLS 1.2.
  if (SSL_CTX_set_min_proto_version(native, TLS1_2_VERSION) != 1) {
    return core::Error::invalid("cannot require TLS 1.2: " + take_openssl_errors());
  }
  ctx->set_options(ssl::context::default_workarounds | ssl::context::no_compression);
  ctx->set_verify_mode(ssl::verify_peer);
  boost::system::error_code ec;
  if (ca_file.empty()) {
    ctx->set_default_verify_paths(ec);
    if (ec) return core::Error::invalid("cannot load the system trust store: " + ec.message());
  } else {
    ctx->load_verify_file(ca_file, ec);
    if (ec) {
      return core::Error::invalid("cannot load CA file \"" + ca_file + "\": " + ec.message());
    }
  }
  return ctx;
}

core::Status prepare_tls_stream(TlsStream& stream, const std::string& host) {
  SSL* ssl = stream.native_handle();
  // SNI: the host name, never an address (RFC 6066 §3).
  if (SSL_set_tlsext_host_name(ssl, host.c_str()) != 1) {
    return core::Error::invalid("cannot set SNI \"" + host + "\": " + take_openssl_errors());
  }
  // OpenSSL checks the certificate against the host during chain verification, so a mismatch
  // is a verification failure like an untrusted or expired chain (X509_V_ERR_HOSTNAME_MISMATCH).
  // RFC 6125 §6.4.4 as judge_certificate applies it: only subjectAltName DNS-IDs count (no
  // fallback to the subject CN), and a wildcard is a whole left-most label.
  SSL_set_hostflags(ssl,
                    X509_CHECK_FLAG_NO_PARTIAL_WILDCARDS | X509_CHECK_FLAG_NEVER_CHECK_SUBJECT);
  if (SSL_set1_host(ssl, host.c_str()) != 1) {
    return core::Error::invalid("cannot set the verified host \"" + host + "\": " +
                                take_openssl_errors());
  }
  if (SSL_set_alpn_protos(ssl, kAlpn, sizeof kAlpn) != 0) {
    return core::Error::invalid("cannot offer ALPN: " + take_openssl_errors());
  }
  return core::Ok{};
}

HttpsError describe_handshake_failure(TlsStream& stream, const boost::system::error_code& ec,
                                      std::string_view peer) {
  HttpsError error;
  error.kind = HttpsErrorKind::tls;
  const long verify = SSL_get_verify_result(stream.native_handle());
  if (verify != X509_V_OK) {
    // RFC 8460 §4.3.2.2 sts-webpki-invalid: the certificate did not validate (untrusted chain,
    // expired, or not for this host); the OpenSSL reason says which.
    error.webpki = true;
    error.reason = "certificate verification failed at " + std::string(peer) + ": " +
                   X509_verify_cert_error_string(verify) + " (X509 error " +
                   std::to_string(verify) + ")";
  } else {
    error.reason = "TLS handshake with " + std::string(peer) + " failed: " + ec.message();
  }
  return error;
}

HttpProtocol negotiated_protocol(TlsStream& stream) {
  const unsigned char* data = nullptr;
  unsigned int len = 0;
  SSL_get0_alpn_selected(stream.native_handle(), &data, &len);
  if (len == 2 && data[0] == 'h' && data[1] == '2') return HttpProtocol::h2;
  return HttpProtocol::http1_1;
}

}  // namespace stsrelay::net::https_detail
