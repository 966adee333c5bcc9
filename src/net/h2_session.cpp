#include "src/net/h2_session.hpp"

#include <nghttp2/nghttp2.h>

#include <array>
#include <charconv>
#include <cstring>
#include <optional>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/buffer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>

#include "src/net/https_http1.hpp"

namespace stsrelay::net::https_detail {
namespace asio = boost::asio;
namespace {

constexpr auto kTuple = asio::as_tuple(asio::use_awaitable);

std::string_view view(const std::uint8_t* p, std::size_t n) {
  return {reinterpret_cast<const char*>(p), n};
}

nghttp2_nv make_nv(std::string_view name, std::string_view value) {
  // nghttp2 only reads these (NO_COPY: they outlive the submit call's use of them).
  return nghttp2_nv{reinterpret_cast<std::uint8_t*>(const_cast<char*>(name.data())),
                    reinterpret_cast<std::uint8_t*>(const_cast<char*>(value.data())),
                    name.size(), value.size(), NGHTTP2_NV_FLAG_NONE};
}

// The state of our one request, fed by nghttp2's callbacks.
class H2Exchange {
 public:
  H2Exchange(const HttpsRequest& request) : request_(request) {}
  ~H2Exchange() {
    if (session_ != nullptr) nghttp2_session_del(session_);
  }
  H2Exchange(const H2Exchange&) = delete;
  H2Exchange& operator=(const H2Exchange&) = delete;

  // Creates the session and queues SETTINGS and the request; the error when it cannot.
  std::optional<HttpsError> start(const HttpsUrl& url, const std::string& user_agent);
  asio::awaitable<HttpsResult> run(TlsStream& stream);

 private:
  static int on_header(nghttp2_session*, const nghttp2_frame* frame, const std::uint8_t* name,
                       std::size_t namelen, const std::uint8_t* value, std::size_t valuelen,
                       std::uint8_t flags, void* self);
  static int on_data_chunk(nghttp2_session*, std::uint8_t flags, std::int32_t stream_id,
                           const std::uint8_t* data, std::size_t len, void* self);
  static int on_stream_close(nghttp2_session*, std::int32_t stream_id, std::uint32_t error_code,
                             void* self);
  static ssize_t read_body(nghttp2_session*, std::int32_t stream_id, std::uint8_t* buf,
                           std::size_t length, std::uint32_t* data_flags,
                           nghttp2_data_source* source, void* self);

  void fail(HttpsError error);
  // Flushes what nghttp2 wants to send; false with failure_ set.
  asio::awaitable<bool> flush(TlsStream& stream);

  const HttpsRequest& request_;
  nghttp2_session* session_ = nullptr;
  std::int32_t stream_id_ = -1;
  std::size_t body_sent_ = 0;
  std::size_t head_bytes_ = 0;
  bool closed_ = false;  // our stream is closed (complete, reset, or failed)
  std::optional<HttpsError> failure_;
  HttpsResponse response_;
};

void H2Exchange::fail(HttpsError error) {
  if (!failure_) failure_ = std::move(error);
  if (stream_id_ > 0 && !closed_) {
    nghttp2_submit_rst_stream(session_, NGHTTP2_FLAG_NONE, stream_id_, NGHTTP2_CANCEL);
  }
}

int H2Exchange::on_header(nghttp2_session*, const nghttp2_frame* frame, const std::uint8_t* name,
                          std::size_t namelen, const std::uint8_t* value, std::size_t valuelen,
                          std::uint8_t, void* p) {
  auto& self = *static_cast<H2Exchange*>(p);
  if (frame->hd.stream_id != self.stream_id_ || frame->hd.type != NGHTTP2_HEADERS) return 0;
  // The first block is the response (or an interim 1xx); after a 1xx the final response comes
  // as another HEADERS block; a block after a final status is trailers, which we ignore.
  const bool response_block = frame->headers.cat == NGHTTP2_HCAT_RESPONSE ||
                              (frame->headers.cat == NGHTTP2_HCAT_HEADERS &&
                               self.response_.status < 200);
  if (!response_block) return 0;
  self.head_bytes_ += namelen + valuelen;
  if (self.head_bytes_ > kMaxResponseHead) {
    self.fail({HttpsErrorKind::too_large, false,
               "response head larger than " + std::to_string(kMaxResponseHead) + " bytes"});
    return 0;
  }
  const std::string_view n = view(name, namelen);
  const std::string_view v = view(value, valuelen);
  if (n == ":status") {
    int status = 0;
    const auto [ptr, ec] = std::from_chars(v.data(), v.data() + v.size(), status);
    if (ec != std::errc{} || ptr != v.data() + v.size()) {
      return NGHTTP2_ERR_TEMPORAL_CALLBACK_FAILURE;  // resets the stream: malformed
    }
    self.response_.status = status;
    self.response_.headers.clear();  // a new block: the headers of a 1xx are not kept
    return 0;
  }
  // nghttp2 has checked the field (RFC 9113 §8.2.1: names arrive lower-case).
  self.response_.headers.emplace_back(std::string(n), std::string(v));
  if (n == "content-length") {
    std::uint64_t length = 0;
    const auto [ptr, ec] = std::from_chars(v.data(), v.data() + v.size(), length);
    if (ec == std::errc{} && ptr == v.data() + v.size() && length > self.request_.max_body) {
      self.fail({HttpsErrorKind::too_large, false,
                 "content-length " + std::string(v) + " above the limit of " +
                     std::to_string(self.request_.max_body) + " bytes"});
    }
  }
  return 0;
}

int H2Exchange::on_data_chunk(nghttp2_session*, std::uint8_t, std::int32_t stream_id,
                              const std::uint8_t* data, std::size_t len, void* p) {
  auto& self = *static_cast<H2Exchange*>(p);
  if (stream_id != self.stream_id_ || self.failure_) return 0;
  if (self.response_.body.size() + len > self.request_.max_body) {
    self.fail({HttpsErrorKind::too_large, false,
               "response body larger than " + std::to_string(self.request_.max_body) +
                   " bytes"});
    return 0;
  }
  self.response_.body.append(view(data, len));
  return 0;
}

int H2Exchange::on_stream_close(nghttp2_session*, std::int32_t stream_id,
                                std::uint32_t error_code, void* p) {
  auto& self = *static_cast<H2Exchange*>(p);
  if (stream_id != self.stream_id_) return 0;
  self.closed_ = true;
  if (error_code != NGHTTP2_NO_ERROR) {
    self.fail({HttpsErrorKind::protocol, false,
               std::string("HTTP/2 stream reset: ") +
                   nghttp2_http2_strerror(error_code)});
  } else if (self.response_.status < 200) {
    self.fail({HttpsErrorKind::protocol, false, "HTTP/2 stream ended without a response"});
  }
  return 0;
}

ssize_t H2Exchange::read_body(nghttp2_session*, std::int32_t, std::uint8_t* buf,
                              std::size_t length, std::uint32_t* data_flags,
                              nghttp2_data_source*, void* p) {
  auto& self = *static_cast<H2Exchange*>(p);
  const std::string& body = self.request_.body;
  const std::size_t n = std::min(length, body.size() - self.body_sent_);
  std::memcpy(buf, body.data() + self.body_sent_, n);
  self.body_sent_ += n;
  if (self.body_sent_ == body.size()) *data_flags |= NGHTTP2_DATA_FLAG_EOF;
  return static_cast<ssize_t>(n);
}

std::optional<HttpsError> H2Exchange::start(const HttpsUrl& url, const std::string& user_agent) {
  nghttp2_session_callbacks* callbacks = nullptr;
  if (nghttp2_session_callbacks_new(&callbacks) != 0) {
    return HttpsError{HttpsErrorKind::protocol, false, "nghttp2: out of memory"};
  }
  nghttp2_session_callbacks_set_on_header_callback(callbacks, &H2Exchange::on_header);
  nghttp2_session_callbacks_set_on_data_chunk_recv_callback(callbacks,
                                                            &H2Exchange::on_data_chunk);
  nghttp2_session_callbacks_set_on_stream_close_callback(callbacks,
                                                         &H2Exchange::on_stream_close);
  const int rv = nghttp2_session_client_new(&session_, callbacks, this);
  nghttp2_session_callbacks_del(callbacks);
  if (rv != 0) {
    return HttpsError{HttpsErrorKind::protocol, false,
                      std::string("nghttp2: ") + nghttp2_strerror(rv)};
  }

  const std::array<nghttp2_settings_entry, 2> settings{{
      {NGHTTP2_SETTINGS_ENABLE_PUSH, 0},
      {NGHTTP2_SETTINGS_MAX_HEADER_LIST_SIZE, static_cast<std::uint32_t>(kMaxResponseHead)},
  }};
  nghttp2_submit_settings(session_, NGHTTP2_FLAG_NONE, settings.data(), settings.size());

  const std::string authority = url.authority();
  const std::string length = std::to_string(request_.body.size());
  const bool post = request_.method == HttpMethod::post;
  std::vector<nghttp2_nv> nva{
      make_nv(":method", to_string(request_.method)),
      make_nv(":scheme", "https"),
      make_nv(":authority", authority),
      make_nv(":path", url.target),
      make_nv("user-agent", user_agent),
  };
  if (post) {
    nva.push_back(make_nv("content-type", request_.content_type));
    nva.push_back(make_nv("content-length", length));
  }
  nghttp2_data_provider provider{};
  provider.read_callback = &H2Exchange::read_body;
  // nghttp2 copies the header block into its own HEADERS frame here.
  stream_id_ = nghttp2_submit_request(session_, nullptr, nva.data(), nva.size(),
                                      post ? &provider : nullptr, this);
  if (stream_id_ < 0) {
    return HttpsError{HttpsErrorKind::protocol, false,
                      std::string("nghttp2: ") + nghttp2_strerror(stream_id_)};
  }
  return std::nullopt;
}

asio::awaitable<bool> H2Exchange::flush(TlsStream& stream) {
  std::string out;
  for (;;) {
    const std::uint8_t* data = nullptr;
    const ssize_t n = nghttp2_session_mem_send(session_, &data);
    if (n < 0) {
      if (!failure_) failure_ = HttpsError{HttpsErrorKind::protocol, false,
                            std::string("nghttp2: ") + nghttp2_strerror(static_cast<int>(n))};
      co_return false;
    }
    if (n == 0) break;
    out.append(reinterpret_cast<const char*>(data), static_cast<std::size_t>(n));
  }
  if (out.empty()) co_return true;
  if (auto [ec, n] = co_await asio::async_write(stream, asio::buffer(out), kTuple); ec) {
    if (!failure_) failure_ = HttpsError{HttpsErrorKind::protocol, false,
                          "writing HTTP/2 frames: " + ec.message()};
    co_return false;
  }
  co_return true;
}

asio::awaitable<HttpsResult> H2Exchange::run(TlsStream& stream) {
  std::array<std::uint8_t, 16 * 1024> in;
  while (!closed_) {
    if (!co_await flush(stream)) break;
    if (closed_) break;
    if (!nghttp2_session_want_read(session_)) {
      // GOAWAY from the peer or a session error: our stream will not complete.
      fail({HttpsErrorKind::protocol, false, "HTTP/2 session ended before the response"});
      break;
    }
    auto [ec, n] = co_await stream.async_read_some(asio::buffer(in), kTuple);
    if (ec) {
      fail({HttpsErrorKind::protocol, false,
            "connection closed before the HTTP/2 response was complete (" + ec.message() +
                ")"});
      break;
    }
    const ssize_t rv = nghttp2_session_mem_recv(session_, in.data(), n);
    if (rv < 0) {
      fail({HttpsErrorKind::protocol, false,
            std::string("HTTP/2 protocol error: ") + nghttp2_strerror(static_cast<int>(rv))});
      break;
    }
  }
  // A polite end: GOAWAY (RFC 9113 §6.8), sent when the connection still works; its failure
  // changes nothing about the response we already have.
  nghttp2_session_terminate_session(session_, NGHTTP2_NO_ERROR);
  const std::optional<HttpsError> failure = failure_;
  co_await flush(stream);
  if (failure) co_return *failure;
  response_.protocol = HttpProtocol::h2;
  co_return std::move(response_);
}

}  // namespace

asio::awaitable<HttpsResult> exchange_h2(TlsStream& stream, const HttpsUrl& url,
                                         const HttpsRequest& request,
                                         const std::string& user_agent) {
  H2Exchange exchange(request);
  if (auto error = exchange.start(url, user_agent)) co_return std::move(*error);
  co_return co_await exchange.run(stream);
}

}  // namespace stsrelay::net::https_detail
