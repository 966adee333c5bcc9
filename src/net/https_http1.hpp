// One HTTP/1.1 request and its response over an established TLS stream (internal to the HTTPS
// client), with Boost.Beast: the request says `Connection: close` (one request per connection),
// the response head and body are bounded (the body by request.max_body, RFC 8461 §3.3's
// sts.max_policy_size for policies), and Content-Length, chunked and close-delimited bodies are
// decoded (RFC 9112 §6.3). Interim 1xx responses are skipped (RFC 9110 §15.2).
//
// Timeouts are the caller's: it closes the socket when the deadline passes, and any error here
// then becomes its timeout.
#pragma once

#include <boost/asio/awaitable.hpp>

#include "src/net/https_tls.hpp"
#include "src/net/https_types.hpp"
#include "src/net/https_url.hpp"

namespace stsrelay::net::https_detail {

inline constexpr std::size_t kMaxResponseHead = 16 * 1024;

boost::asio::awaitable<HttpsResult> exchange_http1(TlsStream& stream, const HttpsUrl& url,
                                                   const HttpsRequest& request,
                                                   const std::string& user_agent);

}  // namespace stsrelay::net::https_detail
