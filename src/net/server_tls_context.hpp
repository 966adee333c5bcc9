// The TLS context of the inbound SMTP server (STARTTLS, RFC 3207): the certificate chain and
// private key from PEM files, TLS 1.2 or newer (RFC 8996 retired 1.0 and 1.1), no
// renegotiation. Loaded once per start/reload and shared by every session.
#pragma once

#include <memory>
#include <string>

#include "src/core/result.hpp"

namespace boost::asio::ssl { class context; }

namespace stsrelay::net {

// The error names the file that could not be used and OpenSSL's reason.
core::Result<std::shared_ptr<boost::asio::ssl::context>> load_server_tls_context(
    const std::string& cert_chain_file, const std::string& key_file);

}  // namespace stsrelay::net
