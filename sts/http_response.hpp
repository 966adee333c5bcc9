// The rules of RFC 8461 §3.3 that decide whether an HTTPS response can carry a policy at all,
// over the few header values they need. Pure; the HTTP itself is read by the HTTPS client
// (src/net), and fetch_error.cpp restates its response as a ResponseHead.
//
// What it deliberately does not do: follow redirects (§3.3: never).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "sts/result_type.hpp"

namespace stsrelay::sts {

struct ResponseHead {
  int status = 0;
  std::string reason;
  std::optional<std::string> content_type;
  std::optional<std::uint64_t> content_length;
  std::optional<std::string> location;
};

// Why a response head cannot carry a policy (RFC 8461 §3.3), or nullopt when it can.
struct HttpRejection {
  FetchError error;
  std::string detail;  // for logs and `stsrelay check`, e.g. "redirect to https://..."
};
std::optional<HttpRejection> check_policy_response(const ResponseHead& head,
                                                   std::uint64_t max_body);

}  // namespace stsrelay::sts
