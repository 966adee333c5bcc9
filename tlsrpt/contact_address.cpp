#include "tlsrpt/contact_address.hpp"

#include "src/core/ascii.hpp"

namespace stsrelay::tlsrpt {

std::string contact_address(std::string_view contact_info) {
  constexpr std::string_view kMailto = "mailto:";
  // RFC 3986 §3.1: the scheme name is case-insensitive.
  if (contact_info.size() > kMailto.size() && core::istarts_with(contact_info, kMailto)) {
    contact_info.remove_prefix(kMailto.size());
  }
  return std::string(contact_info);
}

}  // namespace stsrelay::tlsrpt
