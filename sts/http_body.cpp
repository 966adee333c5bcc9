#include "sts/http_body.hpp"

#include "sts/printable.hpp"

namespace stsrelay::sts {
namespace {

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

constexpr std::size_t kMaxSizeDigits = 15;  // 2^60: far above any policy, no overflow

}  // namespace

ChunkedDecoder::ChunkedDecoder(std::uint64_t max_body) : max_body_(max_body) {}

BodyState ChunkedDecoder::fail(FetchError kind, std::string why) {
  state_ = BodyState::error;
  error_ = HttpRejection{kind, std::move(why)};
  return state_;
}

bool ChunkedDecoder::on_size_line(std::string_view line) {
  // chunk = chunk-size [ chunk-ext ] CRLF chunk-data CRLF; chunk-size = 1*HEXDIG (RFC 9112 §7.1)
  std::size_t i = 0;
  std::uint64_t size = 0;
  while (i < line.size() && hex_value(line[i]) >= 0) {
    if (i == kMaxSizeDigits) {
      fail(FetchError::http_syntax, "chunk size too long");
      return false;
    }
    size = size * 16 + static_cast<std::uint64_t>(hex_value(line[i]));
    ++i;
  }
  if (i == 0) {
    fail(FetchError::http_syntax, "invalid chunk size line: \"" + printable(line) + "\"");
    return false;
  }
  // chunk-ext = *( BWS ";" BWS chunk-ext-name [ BWS "=" BWS chunk-ext-val ] ): ignored, but
  // only after whitespace or ';'.
  if (i < line.size() && line[i] != ';' && line[i] != ' ' && line[i] != '\t') {
    fail(FetchError::http_syntax, "invalid chunk size line: \"" + printable(line) + "\"");
    return false;
  }
  if (size > max_body_ - total_) {
    fail(FetchError::too_large, "chunked body above the limit of " + std::to_string(max_body_));
    return false;
  }
  remaining_ = size;
  step_ = size == 0 ? Step::trailer : Step::data;
  return true;
}

BodyState ChunkedDecoder::feed(std::string_view bytes, std::string& out, std::size_t& consumed) {
  consumed = 0;
  while (state_ == BodyState::need_more && consumed < bytes.size()) {
    std::string_view rest = bytes.substr(consumed);
    if (step_ == Step::data) {
      std::size_t take = static_cast<std::size_t>(
          std::min<std::uint64_t>(remaining_, rest.size()));
      out.append(rest.substr(0, take));
      consumed += take;
      remaining_ -= take;
      total_ += take;
      if (remaining_ == 0) step_ = Step::data_end;
      continue;
    }
    // The other steps read lines.
    std::size_t lf = rest.find('\n');
    std::size_t take = lf == std::string_view::npos ? rest.size() : lf + 1;
    if (line_.size() + take > kMaxLine) return fail(FetchError::http_syntax, "chunk line too long");
    line_.append(rest.substr(0, take));
    consumed += take;
    if (lf == std::string_view::npos) break;
    std::string held = std::move(line_);
    line_.clear();
    std::string_view line = held;
    line.remove_suffix(1);  // LF; CRLF is the terminator, a bare LF is tolerated (RFC 9112 §2.2)
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    switch (step_) {
      case Step::size_line:
        if (!on_size_line(line)) return state_;
        break;
      case Step::data_end:
        if (!line.empty()) return fail(FetchError::http_syntax, "chunk data longer than its size");
        step_ = Step::size_line;
        break;
      case Step::trailer:
        // trailer-section = *( field-line CRLF ), then CRLF: fields are read and dropped.
        trailer_bytes_ += held.size();
        if (trailer_bytes_ > kMaxTrailerBytes) {
          return fail(FetchError::http_syntax, "chunked trailer too long");
        }
        if (line.empty()) {
          step_ = Step::done;
          state_ = BodyState::done;
        }
        break;
      case Step::data:
      case Step::done:
        break;
    }
  }
  return state_;
}

BodyReader::BodyReader(const ResponseHead& head, std::uint64_t max_body)
    : framing_(head.chunked                ? Framing::chunked
               : head.content_length       ? Framing::length
                                           : Framing::close),
      max_body_(max_body),
      length_(head.content_length.value_or(0)),
      chunked_(max_body) {
  if (framing_ == Framing::length) {
    if (length_ > max_body_) {
      fail(FetchError::too_large, "Content-Length " + std::to_string(length_) +
                                      " above the limit of " + std::to_string(max_body_));
    } else if (length_ == 0) {
      state_ = BodyState::done;
    }
  }
}

BodyState BodyReader::fail(FetchError kind, std::string why) {
  state_ = BodyState::error;
  // A failed body has no content: what arrived before the failure depends only on how the bytes
  // were split into reads, and nothing may act on it.
  body_.clear();
  error_ = HttpRejection{kind, std::move(why)};
  return state_;
}

BodyState BodyReader::feed(std::string_view bytes) {
  if (state_ != BodyState::need_more) return state_;
  switch (framing_) {
    case Framing::chunked: {
      std::size_t consumed = 0;
      state_ = chunked_.feed(bytes, body_, consumed);
      if (state_ == BodyState::error) {
        error_ = chunked_.error();
        body_.clear();  // as fail() does
      }
      return state_;
    }
    case Framing::length: {
      std::size_t take =
          static_cast<std::size_t>(std::min<std::uint64_t>(length_ - body_.size(), bytes.size()));
      body_.append(bytes.substr(0, take));
      if (body_.size() == length_) state_ = BodyState::done;
      return state_;  // bytes past Content-Length are not part of the body; they are ignored
    }
    case Framing::close:
      if (bytes.size() > max_body_ - body_.size()) {
        return fail(FetchError::too_large,
                    "body above the limit of " + std::to_string(max_body_));
      }
      body_.append(bytes);
      return state_;
  }
  return state_;
}

BodyState BodyReader::finish() {
  if (state_ != BodyState::need_more) return state_;
  if (framing_ == Framing::close) {
    state_ = BodyState::done;
    return state_;
  }
  return fail(FetchError::http_syntax,
              framing_ == Framing::chunked ? "connection closed inside a chunked body"
                                           : "connection closed after " +
                                                 std::to_string(body_.size()) + " of " +
                                                 std::to_string(length_) + " body bytes");
}

}  // namespace stsrelay::sts
