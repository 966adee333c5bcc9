#include "sts/http_response.hpp"

#include "src/core/ascii.hpp"
#include "src/core/log_quote.hpp"

namespace stsrelay::sts {
namespace {

// True when a Content-Type value is text/plain, with any parameters (RFC 9110 §8.3.1: type and
// subtype are case-insensitive).
bool is_text_plain(std::string_view content_type) {
  // media-type = type "/" subtype parameters  (RFC 9110 §8.3.1)
  std::string_view media = content_type.substr(0, content_type.find(';'));
  return core::iequals(core::trim_wsp(media), "text/plain");  // OWS is SP / HTAB
}

}  // namespace

std::optional<HttpRejection> check_policy_response(const ResponseHead& head,
                                                   std::uint64_t max_body) {
  // RFC 8461 §3.3: "HTTP 3xx redirects MUST NOT be followed".
  if (head.status >= 300 && head.status < 400) {
    return HttpRejection{FetchError::redirect,
                         "redirect (" + std::to_string(head.status) + ") to \"" +
                             core::printable(head.location.value_or(""), 200) +
                             "\", not followed"};
  }
  // Only "200 OK" delivers a policy; 204, 206 and the rest do not.
  if (head.status != 200) {
    return HttpRejection{FetchError::http_status,
                         "HTTP status " + std::to_string(head.status) + " " +
                             core::printable(head.reason)};
  }
  // RFC 8461 §3.2: the policy is served as text/plain; charset and other parameters are fine.
  if (!head.content_type) {
    return HttpRejection{FetchError::content_type, "no Content-Type (text/plain required)"};
  }
  if (!is_text_plain(*head.content_type)) {
    return HttpRejection{FetchError::content_type,
                         "Content-Type \"" + core::printable(*head.content_type) +
                             "\", text/plain required"};
  }
  if (head.content_length && *head.content_length > max_body) {
    return HttpRejection{FetchError::too_large,
                         "Content-Length " + std::to_string(*head.content_length) +
                             " above the limit of " + std::to_string(max_body)};
  }
  return std::nullopt;
}

}  // namespace stsrelay::sts
