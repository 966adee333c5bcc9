#include "smtp/sasl.hpp"

namespace stsrelay::smtp {

std::optional<PlainCredentials> parse_sasl_plain(std::string_view message) {
  std::size_t first = message.find('\0');
  if (first == std::string_view::npos) return std::nullopt;
  std::size_t second = message.find('\0', first + 1);
  if (second == std::string_view::npos) return std::nullopt;
  PlainCredentials c;
  c.authzid = std::string(message.substr(0, first));
  c.authcid = std::string(message.substr(first + 1, second - first - 1));
  c.password = std::string(message.substr(second + 1));
  if (c.password.find('\0') != std::string::npos) return std::nullopt;
  if (c.authcid.empty() || c.authcid.size() > 255) return std::nullopt;
  if (c.password.empty() || c.password.size() > 255) return std::nullopt;
  return c;
}

}  // namespace stsrelay::smtp
