#include "sts/http_response.hpp"

#include "sts/printable.hpp"

namespace stsrelay::sts {
namespace {

char lower(char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c; }

bool iequals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    if (lower(a[i]) != lower(b[i])) return false;
  }
  return true;
}

std::string_view trim_ows(std::string_view s) {
  const auto is_ows = [](char c) { return c == ' ' || c == '\t'; };
  while (!s.empty() && is_ows(s.front())) s.remove_prefix(1);
  while (!s.empty() && is_ows(s.back())) s.remove_suffix(1);
  return s;
}

// True when a Content-Type value is text/plain, with any parameters (RFC 9110 §8.3.1: type and
// subtype are case-insensitive).
bool is_text_plain(std::string_view content_type) {
  // media-type = type "/" subtype parameters  (RFC 9110 §8.3.1)
  std::string_view media = content_type.substr(0, content_type.find(';'));
  return iequals(trim_ows(media), "text/plain");
}

}  // namespace

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
  if (head.content_length && *head.content_length > max_body) {
    return HttpRejection{FetchError::too_large,
                         "Content-Length " + std::to_string(*head.content_length) +
                             " above the limit of " + std::to_string(max_body)};
  }
  return std::nullopt;
}

}  // namespace stsrelay::sts
