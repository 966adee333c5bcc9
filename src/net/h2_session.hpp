// One HTTP/2 request and its response over an established TLS stream on which ALPN selected
// "h2" (RFC 9113 §3.2), with nghttp2 (internal to the HTTPS client).
//
// nghttp2 is used sans-I/O: nghttp2_session_mem_send gives the bytes to write (the connection
// preface, SETTINGS, HEADERS, DATA, WINDOW_UPDATE ...), nghttp2_session_mem_recv takes the bytes
// read, and its callbacks collect :status, the header fields and the DATA of our one stream.
// The body cap (request.max_body) is enforced as the DATA arrives, and already on a
// content-length above it: the stream is reset with CANCEL (RFC 9113 §8.1.1, §7) and the result
// is too_large. Server push is refused in SETTINGS (RFC 9113 §6.5.2 ENABLE_PUSH = 0).
//
// Timeouts are the caller's: it closes the socket when the deadline passes.
#pragma once

#include <boost/asio/awaitable.hpp>

#include "src/net/https_tls.hpp"
#include "src/net/https_types.hpp"
#include "src/net/https_url.hpp"

namespace stsrelay::net::https_detail {

boost::asio::awaitable<HttpsResult> exchange_h2(TlsStream& stream, const HttpsUrl& url,
                                                const HttpsRequest& request,
                                                const std::string& user_agent);

}  // namespace stsrelay::net::https_detail
