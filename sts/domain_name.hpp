// Host names as MTA-STS compares them: lower case, no trailing dot, A-labels (RFC 8461 §4.1:
// "case-insensitive", and IDNs compared in one form). Normalise once at the edge, so that every
// later comparison is plain string equality.
#pragma once

#include <string>
#include <string_view>

#include "src/core/result.hpp"

namespace stsrelay::sts {

// Lower-cases, drops one trailing dot, converts U-labels to A-labels (IDNA2008 through
// libidn2), and checks the result is a host name: LDH labels of 1-63 octets, at most 253 octets
// (RFC 1035 §2.3.4, RFC 5321 §4.1.2 `Domain`). Errors name what is wrong.
core::Result<std::string> normalize_host(std::string_view name);

// True when `name` is already normalised: lower-case LDH labels, no trailing dot, lengths ok.
bool is_normalized_host(std::string_view name);

}  // namespace stsrelay::sts
