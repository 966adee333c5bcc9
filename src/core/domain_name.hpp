// Domain names as the project compares them: lower case, no trailing dot, A-labels (RFC 8461
// §4.1: "case-insensitive", and IDNs compared in one form; RFC 5321 §2.4 and RFC 6531 §3.2 for
// mail domains). Normalise once at the edge, so that every later comparison is plain equality.
#pragma once

#include <string>
#include <string_view>

#include "src/core/result.hpp"

namespace stsrelay::core {

// Lower-cases, drops one trailing dot, converts U-labels to A-labels (idna_to_ascii), and checks
// the result is a host name: LDH labels of 1-63 octets, at most 253 octets (RFC 1035 §2.3.4,
// RFC 5321 §4.1.2 `Domain`). Errors name what is wrong.
Result<std::string> normalize_domain(std::string_view name);

// True when `name` is already normalised: lower-case LDH labels, no trailing dot, lengths ok.
bool is_normalized_domain(std::string_view name);

// RFC 5321 §4.1.2 sub-domain = Let-dig [Ldh-str], at most 63 octets (RFC 1035 §2.3.4); letters
// of either case.
bool is_ldh_label(std::string_view label);

// A name with U-labels as A-labels (IDNA2008 through libidn2: UTS #46 non-transitional
// mapping, NFC input), in lower case. The result is not checked to be a host name: mapping can
// change the label structure (U+3002 becomes "."), so callers check it as their grammar says.
Result<std::string> idna_to_ascii(std::string_view utf8);

}  // namespace stsrelay::core
