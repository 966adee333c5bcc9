#include "src/net/https_url.hpp"

#include <charconv>

#include "src/core/ascii.hpp"
#include "src/core/domain_name.hpp"

namespace stsrelay::net {
namespace {

// RFC 1035 §2.3.4 lengths, LDH labels that neither start nor end with '-', and a last label that
// is not all digits (so "192.0.2.1" is not taken for a name: RFC 3986 §3.2.2 IPv4 literals are
// refused here).
bool is_host_name(std::string_view host) {
  if (host.empty() || host.size() > 253) return false;
  std::size_t start = 0;
  bool last_all_digits = false;
  while (start <= host.size()) {
    std::size_t end = host.find('.', start);
    if (end == std::string_view::npos) end = host.size();
    const std::string_view label = host.substr(start, end - start);
    if (!core::is_ldh_label(label)) return false;
    last_all_digits = core::is_digits(label);
    start = end + 1;
  }
  return !last_all_digits;
}

}  // namespace

std::string HttpsUrl::authority() const {
  return port == kHttpsPort ? host : host + ":" + std::to_string(port);
}

core::Result<HttpsUrl> parse_https_url(std::string_view url) {
  using core::Error;
  constexpr std::string_view kScheme = "https://";
  if (url.size() < kScheme.size()) return Error::invalid("not an https URL");
  for (std::size_t i = 0; i < kScheme.size(); ++i) {
    // RFC 3986 §3.1: the scheme is case-insensitive.
    if (core::ascii_lower(url[i]) != kScheme[i]) return Error::invalid("not an https URL");
  }
  for (unsigned char c : url) {
    if (c <= 0x20 || c >= 0x7f) {
      return Error::invalid("URL contains a space, control or non-ASCII character");
    }
  }
  std::string_view rest = url.substr(kScheme.size());
  if (const auto hash = rest.find('#'); hash != std::string_view::npos) {
    rest = rest.substr(0, hash);  // RFC 3986 §3.5: the fragment is not sent
  }
  const std::size_t auth_end = rest.find_first_of("/?");
  const std::string_view authority = rest.substr(0, auth_end);
  std::string_view target =
      auth_end == std::string_view::npos ? std::string_view{} : rest.substr(auth_end);

  if (authority.find('@') != std::string_view::npos) {
    return Error::invalid("URL with userinfo is refused");
  }
  if (!authority.empty() && authority.front() == '[') {
    return Error::invalid("URL with an IP literal host is refused (a DNS name is needed)");
  }
  HttpsUrl out;
  std::string_view host = authority;
  if (const auto colon = authority.rfind(':'); colon != std::string_view::npos) {
    host = authority.substr(0, colon);
    const std::string_view port = authority.substr(colon + 1);
    unsigned value = 0;
    const auto [ptr, ec] = std::from_chars(port.data(), port.data() + port.size(), value);
    if (port.empty() || ec != std::errc{} || ptr != port.data() + port.size() || value == 0 ||
        value > 65535) {
      return Error::invalid("URL port \"" + std::string(port) + "\" is not 1-65535");
    }
    out.port = static_cast<std::uint16_t>(value);
  }
  if (!host.empty() && host.back() == '.') host.remove_suffix(1);
  out.host = core::to_lower_ascii(host);
  if (!is_host_name(out.host)) {
    return Error::invalid("URL host \"" + std::string(host) + "\" is not a DNS host name");
  }
  // RFC 9112 §3.2.1: origin-form; an empty path is sent as "/".
  out.target = (target.empty() || target.front() == '?') ? "/" + std::string(target)
                                                          : std::string(target);
  return out;
}

}  // namespace stsrelay::net
