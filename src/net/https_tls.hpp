// TLS for the HTTPS client (internal: included only by the client's .cpp files, so Asio and
// OpenSSL stay out of widely included headers).
//
// RFC 8461 §3.3 asks for a policy host certificate that is valid for `mta-sts.<domain>` under
// PKIX (RFC 6125) with SNI; RFC 8460 §3 asks the same of https report endpoints. So: TLS 1.2 or
// newer, the peer chain verified against `delivery.ca_file` (or the system store), the host
// name checked by OpenSSL itself (SSL_set1_host, X509_check_host rules: no partial wildcards,
// wildcard only in the left-most label), SNI always the host, and ALPN offering h2 then
// http/1.1.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/asio/ssl/stream.hpp>
#include <boost/system/error_code.hpp>

#include "src/core/result.hpp"
#include "src/net/https_types.hpp"

namespace stsrelay::net::https_detail {

using Tcp = boost::asio::ip::tcp;
using TlsStream = boost::asio::ssl::stream<Tcp::socket>;

// Errors name the CA file and OpenSSL's reason.
core::Result<std::shared_ptr<boost::asio::ssl::context>> make_tls_context(
    const std::string& ca_file);

// SNI, host name verification and ALPN for one connection to `host`.
core::Status prepare_tls_stream(TlsStream& stream, const std::string& host);

// The handshake failed with `ec`: a certificate verification failure (webpki) or another one.
HttpsError describe_handshake_failure(TlsStream& stream, const boost::system::error_code& ec,
                                      std::string_view peer);

// What ALPN selected: h2, or HTTP/1.1 (also when the server ignored ALPN).
HttpProtocol negotiated_protocol(TlsStream& stream);

}  // namespace stsrelay::net::https_detail
