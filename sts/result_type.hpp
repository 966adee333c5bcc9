// TLS-RPT result types (RFC 8460 §4.3) that MTA-STS delivery produces, and the policy fetch
// failures that map onto them. One to_string() each; enumerators spelled like the RFC tokens.
#pragma once

#include <optional>
#include <string_view>

namespace stsrelay::sts {

enum class ResultType {
  // §4.3.1 negotiation failures
  starttls_not_supported,
  certificate_host_mismatch,
  certificate_expired,
  certificate_not_trusted,
  validation_failure,
  // §4.3.2.2 MTA-STS-specific policy failures
  sts_policy_fetch_error,
  sts_policy_invalid,
  sts_webpki_invalid,
  // §4.3.2.1 DANE-specific policy failures
  tlsa_invalid,    // no record of the secure TLSA RRset matched the presented chain
  dnssec_invalid,  // the resolver returned no valid answer for the TLSA lookup (bogus)
  dane_required,   // DANE was required, but no DNSSEC-validated TLSA records were found
};

std::string_view to_string(ResultType type);
std::optional<ResultType> parse_result_type(std::string_view token);

// Why a policy fetch failed (RFC 8461 §3.3); each is logged as its own reason.
enum class FetchError {
  dns,           // mta-sts.<domain> does not resolve
  connect,       // no TCP connection to port 443
  tls,           // handshake or certificate verification for mta-sts.<domain> failed
  http_status,   // a status other than 200
  redirect,      // a 3xx: never followed (§3.3)
  content_type,  // not text/plain
  too_large,     // body above sts.max_policy_size
  timeout,       // sts.fetch_timeout elapsed
  http_syntax,   // the response was not valid HTTP
  syntax,        // the policy file did not parse (§3.2)
};

std::string_view to_string(FetchError error);

// §4.3.2.2: a certificate failure of the policy host is sts-webpki-invalid, an unparsable policy
// is sts-policy-invalid, and every other failure to obtain the policy is sts-policy-fetch-error.
ResultType result_type_for(FetchError error);

}  // namespace stsrelay::sts
