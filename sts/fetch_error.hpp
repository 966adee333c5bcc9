// What became of one MTA-STS policy fetch (RFC 8461 §3.3), decided from the HTTPS client's
// result by a pure function: the policy, or a failure with its distinct reason (FetchError) and
// the TLS-RPT result type it is reported as (RFC 8460 §4.3.2.2).
//
// The rules, in the order they apply: the client's own failures (DNS, TCP, TLS, deadline, size,
// broken HTTP) keep their step; then check_policy_response (http_response.hpp: 3xx is a redirect
// that is never followed, only 200 counts, text/plain with any parameters); then the policy
// parser (§3.2).
#pragma once

#include <cstdint>
#include <string>
#include <utility>
#include <variant>

#include "src/net/https_types.hpp"
#include "sts/policy.hpp"
#include "sts/result_type.hpp"

namespace stsrelay::sts {

struct PolicyFetchFailure {
  FetchError error = FetchError::dns;
  ResultType result_type = ResultType::sts_policy_fetch_error;
  std::string detail;  // for logs and `stsrelay check`: the step, the peer, the reason
};

// The result type of a failure. One choice differs from result_type_for(): a TLS failure that
// is not a certificate verification failure (no shared protocol version or cipher, a reset
// during the handshake) says nothing about PKIX, so it is sts-policy-fetch-error; only a
// certificate that did not validate is sts-webpki-invalid (§4.3.2.2: "could not be
// authenticated using PKIX validation").
ResultType result_type_of(FetchError error, bool webpki);

struct FetchedPolicy {
  Policy policy;
  net::HttpProtocol protocol = net::HttpProtocol::http1_1;
  std::string peer;  // the address that served it
};

class PolicyFetchResult {
 public:
  PolicyFetchResult(FetchedPolicy p) : v_(std::in_place_index<0>, std::move(p)) {}
  PolicyFetchResult(PolicyFetchFailure f) : v_(std::in_place_index<1>, std::move(f)) {}

  bool ok() const { return v_.index() == 0; }
  const FetchedPolicy& value() const { return std::get<0>(v_); }
  const PolicyFetchFailure& failure() const { return std::get<1>(v_); }

 private:
  std::variant<FetchedPolicy, PolicyFetchFailure> v_;
};

// Decides from what the HTTPS client returned. `max_size` is sts.max_policy_size (the client
// enforces it on the body too; a Content-Length above it is refused here as well).
PolicyFetchResult classify_policy_fetch(const net::HttpsResult& result, std::uint64_t max_size);

}  // namespace stsrelay::sts
