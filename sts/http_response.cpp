#include "sts/http_response.hpp"

#include "sts/printable.hpp"

namespace stsrelay::sts {
namespace {

bool is_digit(char c) { return c >= '0' && c <= '9'; }
bool is_ows(char c) { return c == ' ' || c == '\t'; }
char lower(char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c; }

bool iequals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    if (lower(a[i]) != lower(b[i])) return false;
  }
  return true;
}

std::string_view trim_ows(std::string_view s) {
  while (!s.empty() && is_ows(s.front())) s.remove_prefix(1);
  while (!s.empty() && is_ows(s.back())) s.remove_suffix(1);
  return s;
}

// RFC 9110 §5.6.2 tchar.
bool is_tchar(char c) {
  if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || is_digit(c)) return true;
  switch (c) {
    case '!': case '#': case '$': case '%': case '&': case '\'': case '*': case '+': case '-':
    case '.': case '^': case '_': case '`': case '|': case '~': return true;
    default: return false;
  }
}

bool is_token(std::string_view s) {
  if (s.empty()) return false;
  for (char c : s) {
    if (!is_tchar(c)) return false;
  }
  return true;
}

// RFC 9110 §5.5: field-value is VCHAR, obs-text, SP and HTAB; no other control characters.
bool is_field_value(std::string_view s) {
  for (char c : s) {
    auto u = static_cast<unsigned char>(c);
    if ((u < 0x20 && c != '\t') || u == 0x7f) return false;
  }
  return true;
}

constexpr std::size_t kMaxLengthDigits = 18;  // fits in uint64 without overflow checks

}  // namespace

ResponseHeadParser::ResponseHeadParser(std::size_t max_head_bytes, std::size_t max_fields)
    : max_head_(max_head_bytes), max_fields_(max_fields) {}

ResponseHeadParser::State ResponseHeadParser::fail(std::string why) {
  state_ = State::error;
  error_ = std::move(why);
  return state_;
}

ResponseHeadParser::State ResponseHeadParser::feed(std::string_view bytes,
                                                   std::size_t& consumed) {
  consumed = 0;
  while (state_ == State::need_more && consumed < bytes.size()) {
    std::string_view rest = bytes.substr(consumed);
    std::size_t lf = rest.find('\n');
    std::size_t take = lf == std::string_view::npos ? rest.size() : lf + 1;
    if (head_bytes_ + take > max_head_) {
      return fail("response head longer than " + std::to_string(max_head_) + " bytes");
    }
    head_bytes_ += take;
    consumed += take;
    line_.append(rest.substr(0, take));
    if (lf == std::string_view::npos) break;
    // RFC 9112 §2.2: lines end in CRLF; a bare LF is accepted as a line terminator.
    std::string_view line = line_;
    line.remove_suffix(1);
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    bool ok = on_line(line);
    line_.clear();
    if (!ok) return state_;
  }
  return state_;
}

bool ResponseHeadParser::on_line(std::string_view line) {
  if (!have_status_) {
    // A response starts with its status line (RFC 9112 §2.1); the leniency of §2.2 for empty
    // lines before a start line is given to servers reading requests, not to clients.
    if (!on_status_line(line)) return false;
    have_status_ = true;
    return true;
  }
  if (!line.empty()) return on_field(line);
  // End of the head. Interim 1xx responses are skipped (RFC 9110 §15.2); 101 is a protocol
  // switch we never asked for, so it is kept and rejected as a non-200 status.
  if (head_.status >= 100 && head_.status < 200 && head_.status != 101) {
    head_ = ResponseHead{};
    have_status_ = false;
    fields_ = 0;
    return true;
  }
  state_ = State::done;
  return true;
}

bool ResponseHeadParser::on_status_line(std::string_view line) {
  // status-line = HTTP-version SP status-code SP [ reason-phrase ]  (RFC 9112 §4)
  // HTTP-version = "HTTP/" DIGIT "." DIGIT
  if (line.size() < 12 || !line.starts_with("HTTP/1.") || !is_digit(line[7]) || line[8] != ' ' ||
      !is_digit(line[9]) || !is_digit(line[10]) || !is_digit(line[11])) {
    fail("not an HTTP/1.x status line: \"" + printable(line) + "\"");
    return false;
  }
  if (line.size() > 12 && line[12] != ' ') {
    fail("status code is not three digits: \"" + printable(line) + "\"");
    return false;
  }
  head_.version_minor = line[7] - '0';
  head_.status = (line[9] - '0') * 100 + (line[10] - '0') * 10 + (line[11] - '0');
  if (head_.status < 100) {
    fail("status code below 100");
    return false;
  }
  std::string_view reason = line.size() > 13 ? line.substr(13) : std::string_view{};
  if (!is_field_value(reason)) {
    fail("control character in reason phrase");
    return false;
  }
  head_.reason = std::string(reason);
  return true;
}

bool ResponseHeadParser::on_field(std::string_view line) {
  if (++fields_ > max_fields_) {
    fail("more than " + std::to_string(max_fields_) + " header fields");
    return false;
  }
  // RFC 9112 §5.2: obs-fold is rejected by a user agent that does not replace it.
  if (is_ows(line.front())) {
    fail("obsolete line folding in header");
    return false;
  }
  std::size_t colon = line.find(':');
  if (colon == std::string_view::npos) {
    fail("header line without ':': \"" + printable(line) + "\"");
    return false;
  }
  std::string_view name = line.substr(0, colon);
  // RFC 9112 §5.1: no whitespace between field name and colon.
  if (!is_token(name)) {
    fail("invalid header name: \"" + printable(name) + "\"");
    return false;
  }
  std::string_view value = trim_ows(line.substr(colon + 1));
  if (!is_field_value(value)) {
    fail("control character in header " + std::string(name));
    return false;
  }
  if (iequals(name, "Content-Length")) {
    // RFC 9112 §6.3: an invalid or conflicting Content-Length is an unrecoverable error.
    if (value.empty() || value.size() > kMaxLengthDigits) {
      fail("invalid Content-Length: \"" + printable(value) + "\"");
      return false;
    }
    std::uint64_t n = 0;
    for (char c : value) {
      if (!is_digit(c)) {
        fail("invalid Content-Length: \"" + printable(value) + "\"");
        return false;
      }
      n = n * 10 + static_cast<std::uint64_t>(c - '0');
    }
    if (head_.content_length && *head_.content_length != n) {
      fail("conflicting Content-Length headers");
      return false;
    }
    head_.content_length = n;
  } else if (iequals(name, "Transfer-Encoding")) {
    // We send no TE and accept no content coding: the only transfer coding we take is chunked,
    // alone (RFC 9112 §6.1, §7). Anything else cannot be framed safely.
    if (!iequals(value, "chunked") || head_.chunked) {
      fail("unsupported Transfer-Encoding: \"" + printable(value) + "\"");
      return false;
    }
    if (head_.version_minor == 0) {
      fail("Transfer-Encoding in an HTTP/1.0 response");  // RFC 9112 §6.1: faulty framing
      return false;
    }
    head_.chunked = true;
  } else if (iequals(name, "Content-Type")) {
    if (!head_.content_type) head_.content_type = std::string(value);
  } else if (iequals(name, "Location")) {
    if (!head_.location) head_.location = std::string(value);
  }
  return true;
}

bool is_text_plain(std::string_view content_type) {
  // media-type = type "/" subtype parameters  (RFC 9110 §8.3.1)
  std::string_view media = content_type.substr(0, content_type.find(';'));
  return iequals(trim_ows(media), "text/plain");
}

std::optional<HttpRejection> check_policy_response(const ResponseHead& head,
                                                   std::uint64_t max_body) {
  // RFC 8461 §3.3: "HTTP 3xx redirects MUST NOT be followed".
  if (head.status >= 300 && head.status < 400) {
    return HttpRejection{FetchError::redirect,
                         "redirect (" + std::to_string(head.status) + ") to \"" +
                             printable(head.location.value_or(""), 200) + "\", not followed"};
  }
  // Only "200 OK" delivers a policy; 204, 206 and the rest do not.
  if (head.status != 200) {
    return HttpRejection{FetchError::http_status,
                         "HTTP status " + std::to_string(head.status) + " " +
                             printable(head.reason)};
  }
  // RFC 8461 §3.2: the policy is served as text/plain; charset and other parameters are fine.
  if (!head.content_type) {
    return HttpRejection{FetchError::content_type, "no Content-Type (text/plain required)"};
  }
  if (!is_text_plain(*head.content_type)) {
    return HttpRejection{FetchError::content_type,
                         "Content-Type \"" + printable(*head.content_type) +
                             "\", text/plain required"};
  }
  if (!head.chunked && head.content_length && *head.content_length > max_body) {
    return HttpRejection{FetchError::too_large,
                         "Content-Length " + std::to_string(*head.content_length) +
                             " above the limit of " + std::to_string(max_body)};
  }
  return std::nullopt;
}

}  // namespace stsrelay::sts
