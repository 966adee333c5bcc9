// HTTP/1.1 response head parser for the policy fetcher (RFC 9112 §4, §5), and the rules of
// RFC 8461 §3.3 that decide whether a response can carry a policy at all. Sans-I/O and bounded:
// bytes in, in any split, and a head of at most `max_head_bytes` and `max_fields` header lines.
//
// What it deliberately does not do: follow redirects (§3.3: never), decode content codings
// (the fetcher asks for none), or keep headers it has no use for.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "sts/result_type.hpp"

namespace stsrelay::sts {

struct ResponseHead {
  int version_minor = 1;  // HTTP/1.<minor>
  int status = 0;
  std::string reason;
  std::optional<std::string> content_type;
  std::optional<std::uint64_t> content_length;
  bool chunked = false;  // Transfer-Encoding: chunked (then Content-Length is ignored)
  std::optional<std::string> location;
};

class ResponseHeadParser {
 public:
  static constexpr std::size_t kDefaultMaxHead = 16 * 1024;
  static constexpr std::size_t kDefaultMaxFields = 100;

  explicit ResponseHeadParser(std::size_t max_head_bytes = kDefaultMaxHead,
                              std::size_t max_fields = kDefaultMaxFields);

  enum class State { need_more, done, error };

  // Consumes bytes up to the end of the head and returns the state; `consumed` says how many
  // bytes of `bytes` were used (the rest starts the body). After done or error, feed() consumes
  // nothing. Interim 1xx responses (RFC 9110 §15.2) are skipped.
  State feed(std::string_view bytes, std::size_t& consumed);

  State state() const { return state_; }
  const ResponseHead& head() const { return head_; }
  const std::string& error() const { return error_; }

 private:
  State fail(std::string why);
  bool on_line(std::string_view line);  // false: error set
  bool on_status_line(std::string_view line);
  bool on_field(std::string_view line);

  std::size_t max_head_;
  std::size_t max_fields_;
  std::size_t head_bytes_ = 0;
  std::size_t fields_ = 0;
  bool have_status_ = false;
  std::string line_;
  State state_ = State::need_more;
  ResponseHead head_;
  std::string error_;
};

// Why a response head cannot carry a policy (RFC 8461 §3.3), or nullopt when it can.
struct HttpRejection {
  FetchError error;
  std::string detail;  // for logs and `stsrelay check`, e.g. "redirect to https://..."
};
std::optional<HttpRejection> check_policy_response(const ResponseHead& head,
                                                   std::uint64_t max_body);

// True when a Content-Type value is text/plain, with any parameters (RFC 9110 §8.3.1: type and
// subtype are case-insensitive).
bool is_text_plain(std::string_view content_type);

}  // namespace stsrelay::sts
