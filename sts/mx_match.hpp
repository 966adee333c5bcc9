// MX host name against the policy's `mx` patterns (RFC 8461 §4.1).
//
// Comparison is case-insensitive and ignores a trailing dot on either side. A pattern
// "*.example.com" matches exactly one extra left-most label: "mx.example.com", but neither
// "example.com" nor "a.b.example.com". IDNs compare in A-label form: the policy parser stores
// patterns as A-labels, and MX names arrive from DNS as A-labels; a caller holding a U-label host
// runs it through core::normalize_domain() (src/core/domain_name.hpp) first.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace stsrelay::sts {

bool mx_matches(std::string_view host, std::string_view pattern);

// True when `host` matches at least one pattern (§4.1: "at least one of the mx patterns").
bool mx_matches_any(std::string_view host, const std::vector<std::string>& patterns);

}  // namespace stsrelay::sts
