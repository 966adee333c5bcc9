#include "src/net/https_http1.hpp"

#include <optional>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/ssl/error.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http/error.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/beast/http/write.hpp>

#include "src/core/ascii.hpp"

namespace stsrelay::net::https_detail {
namespace asio = boost::asio;
namespace http = boost::beast::http;
namespace {

constexpr auto kTuple = asio::as_tuple(asio::use_awaitable);

HttpsError read_error(const boost::system::error_code& ec, const HttpsRequest& request) {
  if (ec == http::error::body_limit) {
    return {HttpsErrorKind::too_large, false,
            "response body larger than " + std::to_string(request.max_body) + " bytes"};
  }
  if (ec == http::error::header_limit) {
    return {HttpsErrorKind::too_large, false,
            "response head larger than " + std::to_string(kMaxResponseHead) + " bytes"};
  }
  if (ec == asio::ssl::error::stream_truncated || ec == http::error::end_of_stream ||
      ec == http::error::partial_message || ec == asio::error::eof) {
    // A connection closed without TLS close_notify, or before the framing said the message
    // ended, may have been cut by an attacker: never take a partial body.
    return {HttpsErrorKind::protocol, false,
            "connection closed before the response was complete (" + ec.message() + ")"};
  }
  return {HttpsErrorKind::protocol, false, "reading the HTTP/1.1 response: " + ec.message()};
}

}  // namespace

asio::awaitable<HttpsResult> exchange_http1(TlsStream& stream, const HttpsUrl& url,
                                            const HttpsRequest& request,
                                            const std::string& user_agent) {
  http::request<http::string_body> req{
      request.method == HttpMethod::post ? http::verb::post : http::verb::get, url.target, 11};
  req.set(http::field::host, url.authority());
  req.set(http::field::user_agent, user_agent);
  // One request per connection; no conditional request and no content coding is asked for, so
  // the answer is the resource itself, uncompressed (RFC 8461 §3.3: no HTTP caching).
  req.set(http::field::connection, "close");
  if (request.method == HttpMethod::post) {
    req.set(http::field::content_type, request.content_type);
    req.body() = request.body;
  }
  req.prepare_payload();

  if (auto [ec, n] = co_await http::async_write(stream, req, kTuple); ec) {
    co_return HttpsError{HttpsErrorKind::protocol, false,
                         "sending the HTTP/1.1 request: " + ec.message()};
  }

  boost::beast::flat_buffer buffer;
  std::optional<http::response_parser<http::string_body>> parser;
  for (;;) {
    parser.emplace();
    parser->header_limit(kMaxResponseHead);
    parser->body_limit(request.max_body);
    auto [ec, n] = co_await http::async_read(stream, buffer, *parser, kTuple);
    if (ec) co_return read_error(ec, request);
    const unsigned status = parser->get().result_int();
    // RFC 9110 §15.2: interim responses precede the final one; 101 is not expected here.
    if (status >= 100 && status < 200 && status != 101) continue;
    break;
  }

  const auto& res = parser->get();
  HttpsResponse out;
  out.status = static_cast<int>(res.result_int());
  out.protocol = HttpProtocol::http1_1;
  for (const auto& field : res) {
    out.headers.emplace_back(core::to_lower_ascii(field.name_string()), std::string(field.value()));
  }
  out.body = res.body();
  co_return out;
}

}  // namespace stsrelay::net::https_detail
