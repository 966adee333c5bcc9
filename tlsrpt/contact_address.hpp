// The report's contact-info (RFC 8460 §4.4), which is an e-mail address. The configuration may
// give it as a mailto: URI, as rua destinations are written; the report carries the bare
// addr-spec either way. Pure.
#pragma once

#include <string>
#include <string_view>

namespace stsrelay::tlsrpt {

// "mailto:tlsrpt@example.org" (scheme in any case) and "tlsrpt@example.org" both give
// "tlsrpt@example.org"; anything else is returned as it is.
std::string contact_address(std::string_view contact_info);

}  // namespace stsrelay::tlsrpt
