// Fuzz target: the MTA-STS policy parser (RFC 8461 §3.2). Invariants: no crash; a parsed policy
// has max_age within 0..31557600, at least one mx unless mode is none, and every mx pattern in
// normalised form (lower-case LDH labels, optional leading "*."), which is what makes later
// comparisons plain equality.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "src/core/domain_name.hpp"
#include "sts/mx_match.hpp"
#include "sts/policy_parser.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view in(reinterpret_cast<const char*>(data), size);
  auto policy = stsrelay::sts::parse_policy(in);
  if (!policy.ok()) {
    if (policy.error().message.empty()) std::abort();
    return 0;
  }
  if (policy->max_age < 0 || policy->max_age > stsrelay::sts::kMaxMaxAge) std::abort();
  if (policy->mode != stsrelay::sts::Mode::none && policy->mx.empty()) std::abort();
  for (const auto& mx : policy->mx) {
    std::string_view host = mx;
    if (host.starts_with("*.")) host.remove_prefix(2);
    if (!stsrelay::core::is_normalized_domain(host)) std::abort();
    // A concrete host under a pattern matches it.
    std::string probe = mx.starts_with("*.") ? "x" + mx.substr(1) : mx;
    if (!stsrelay::sts::mx_matches(probe, mx)) std::abort();
  }
  return 0;
}
