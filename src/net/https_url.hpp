// The https URLs the HTTPS client fetches (RFC 9110 §4.2.2, RFC 3986 §3): the policy URL of
// RFC 8461 §3.3 and TLS-RPT `rua=https:` endpoints (RFC 8460 §3). Pure.
//
// Deliberately narrow: the host must be a DNS name (it is resolved, sent as SNI and checked
// against the certificate), so IP literals and userinfo are refused; a fragment is dropped.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "src/core/result.hpp"

namespace stsrelay::net {

inline constexpr std::uint16_t kHttpsPort = 443;

struct HttpsUrl {
  std::string host;  // lower case, no trailing dot
  std::uint16_t port = kHttpsPort;
  std::string target;  // origin-form: path and query, at least "/"

  // Host header / :authority: the port only when it is not 443 (RFC 9110 §7.2).
  std::string authority() const;
  friend bool operator==(const HttpsUrl&, const HttpsUrl&) = default;
};

// Errors are ErrorKind::invalid and say what is wrong with the URL.
core::Result<HttpsUrl> parse_https_url(std::string_view url);

}  // namespace stsrelay::net
