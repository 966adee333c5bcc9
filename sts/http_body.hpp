// Reading the body of the policy response (RFC 9112 §6, §7.1), bounded by sts.max_policy_size.
// Sans-I/O: the fetcher feeds what it read and tells about end of stream.
//
// ChunkedDecoder decodes `Transfer-Encoding: chunked`; BodyReader picks the framing from the
// response head (chunked, Content-Length, or until the connection closes) and stops with
// FetchError::too_large as soon as the body would pass the limit, without buffering more.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "sts/http_response.hpp"
#include "sts/result_type.hpp"

namespace stsrelay::sts {

enum class BodyState { need_more, done, error };

class ChunkedDecoder {
 public:
  static constexpr std::size_t kMaxLine = 4096;  // chunk-size line with extensions, or trailer
  static constexpr std::size_t kMaxTrailerBytes = 16 * 1024;

  explicit ChunkedDecoder(std::uint64_t max_body);

  // Appends decoded data to `out`. `consumed` says how many bytes of `bytes` were used; after
  // done, bytes that follow the message are left unconsumed.
  BodyState feed(std::string_view bytes, std::string& out, std::size_t& consumed);

  BodyState state() const { return state_; }
  const std::optional<HttpRejection>& error() const { return error_; }

 private:
  enum class Step { size_line, data, data_end, trailer, done };
  BodyState fail(FetchError kind, std::string why);
  bool on_size_line(std::string_view line);

  std::uint64_t max_body_;
  std::uint64_t total_ = 0;
  std::uint64_t remaining_ = 0;  // of the current chunk
  std::size_t trailer_bytes_ = 0;
  Step step_ = Step::size_line;
  std::string line_;
  BodyState state_ = BodyState::need_more;
  std::optional<HttpRejection> error_;
};

class BodyReader {
 public:
  BodyReader(const ResponseHead& head, std::uint64_t max_body);

  BodyState feed(std::string_view bytes);
  // The peer closed the connection: complete for a close-delimited body, else truncated.
  BodyState finish();

  BodyState state() const { return state_; }
  // The body so far; empty once the state is error.
  const std::string& body() const { return body_; }
  const std::optional<HttpRejection>& error() const { return error_; }

 private:
  BodyState fail(FetchError kind, std::string why);

  enum class Framing { chunked, length, close };
  Framing framing_;
  std::uint64_t max_body_;
  std::uint64_t length_ = 0;
  ChunkedDecoder chunked_;
  std::string body_;
  BodyState state_ = BodyState::need_more;
  std::optional<HttpRejection> error_;
};

}  // namespace stsrelay::sts
