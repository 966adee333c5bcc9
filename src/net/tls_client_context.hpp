// The TLS context of the outbound SMTP client (STARTTLS, RFC 3207): TLS 1.2 or newer
// (RFC 8996), the trust store from `delivery.ca_file` or the system default store, and no
// verification inside the handshake. The handshake never fails for a certificate: the session
// judges the peer chain afterwards (cert_verify.hpp) and reports a TlsResult, because "verified"
// and "required" are separate questions (MTA-STS decides the latter, RFC 8461 §5).
#pragma once

#include <memory>
#include <string>

#include "src/core/result.hpp"

namespace boost::asio::ssl { class context; }

namespace stsrelay::net {

// `ca_file` empty: the system store (OpenSSL's default paths). The error names the file.
core::Result<std::shared_ptr<boost::asio::ssl::context>> make_client_tls_context(
    const std::string& ca_file);

}  // namespace stsrelay::net
