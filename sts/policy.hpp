// The MTA-STS policy as a value (RFC 8461 §3.2), after parsing and normalisation.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace stsrelay::sts {

// §3.2 `mode`. Enumerators are spelled like the RFC tokens.
enum class Mode { enforce, testing, none };

std::string_view to_string(Mode mode);

// §3.2: "max_age ... maximum value of 31557600" (one year).
inline constexpr std::int64_t kMaxMaxAge = 31'557'600;

struct Policy {
  Mode mode = Mode::none;
  std::int64_t max_age = 0;  // seconds
  // `mx` patterns, normalised: lower case, no trailing dot, A-labels; "*.example.com" keeps its
  // wildcard label. Empty only when mode is none.
  std::vector<std::string> mx;
  // The policy text line by line (line endings removed, blank lines dropped): the
  // `policy-string` array of a TLS-RPT report (RFC 8460 §4.4).
  std::vector<std::string> lines;

  friend bool operator==(const Policy&, const Policy&) = default;
};

}  // namespace stsrelay::sts
