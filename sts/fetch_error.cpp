#include "sts/fetch_error.hpp"

#include <charconv>

#include "sts/http_response.hpp"
#include "sts/policy_parser.hpp"

namespace stsrelay::sts {
namespace {

FetchError fetch_error_of(net::HttpsErrorKind kind) {
  switch (kind) {
    // The URL is built from the recipient domain: a domain that gives no valid host name has
    // no policy host to resolve.
    case net::HttpsErrorKind::url: return FetchError::dns;
    case net::HttpsErrorKind::dns: return FetchError::dns;
    case net::HttpsErrorKind::connect: return FetchError::connect;
    case net::HttpsErrorKind::tls: return FetchError::tls;
    case net::HttpsErrorKind::timeout: return FetchError::timeout;
    case net::HttpsErrorKind::too_large: return FetchError::too_large;
    case net::HttpsErrorKind::protocol: return FetchError::http_syntax;
  }
  return FetchError::http_syntax;
}

PolicyFetchFailure failure(FetchError error, bool webpki, std::string detail) {
  return {error, result_type_of(error, webpki), std::move(detail)};
}

ResponseHead head_of(const net::HttpsResponse& response) {
  ResponseHead head;
  head.status = response.status;
  head.content_type = response.content_type();
  head.location = response.location();
  if (const auto length = response.header("content-length")) {
    std::uint64_t value = 0;
    const auto [ptr, ec] = std::from_chars(length->data(), length->data() + length->size(), value);
    if (ec == std::errc{} && ptr == length->data() + length->size()) head.content_length = value;
  }
  return head;
}

}  // namespace

ResultType result_type_of(FetchError error, bool webpki) {
  if (error == FetchError::tls && !webpki) return ResultType::sts_policy_fetch_error;
  return result_type_for(error);
}

PolicyFetchResult classify_policy_fetch(const net::HttpsResult& result, std::uint64_t max_size) {
  if (!result.ok()) {
    const net::HttpsError& e = result.error();
    return failure(fetch_error_of(e.kind), e.webpki, e.reason);
  }
  const net::HttpsResponse& response = result.value();
  const std::string via = " (" + std::string(to_string(response.protocol)) + " from " +
                          response.peer + ")";
  // RFC 8461 §3.3: redirects are not followed, only 200 counts, and the media type is
  // text/plain.
  if (auto rejection = check_policy_response(head_of(response), max_size)) {
    return failure(rejection->error, false, rejection->detail + via);
  }
  if (response.body.size() > max_size) {
    return failure(FetchError::too_large, false,
                   "policy of " + std::to_string(response.body.size()) +
                       " bytes above the limit of " + std::to_string(max_size) + via);
  }
  auto policy = parse_policy(response.body);
  if (!policy) return failure(FetchError::syntax, false, policy.error().message + via);
  return FetchedPolicy{std::move(policy.value()), response.protocol, response.peer};
}

}  // namespace stsrelay::sts
