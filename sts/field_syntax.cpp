#include "sts/field_syntax.hpp"

#include <algorithm>

#include "src/core/ascii.hpp"
#include "src/core/log_quote.hpp"

namespace stsrelay::sts {
namespace {

constexpr std::size_t kMaxExtNameLength = 32;

}  // namespace

bool is_ext_name(std::string_view name) {
  if (name.empty() || name.size() > kMaxExtNameLength || !core::is_alnum(name.front())) {
    return false;
  }
  return std::all_of(name.begin(), name.end(), [](char c) {
    return core::is_alnum(c) || c == '_' || c == '-' || c == '.';
  });
}

bool is_ext_value_char(char c) { return core::is_vchar(c) && c != '=' && c != ';'; }

std::optional<std::string> extension_field_error(std::string_view name, std::string_view value) {
  if (!is_ext_name(name)) return "invalid field name: \"" + core::printable(name) + "\"";
  if (value.empty()) return "empty value for field " + std::string(name);
  if (!std::all_of(value.begin(), value.end(), is_ext_value_char)) {
    return "invalid character in value of field " + std::string(name);
  }
  return std::nullopt;
}

FieldDelim take_field_delim(std::string_view& rest) {
  std::size_t i = 0;
  while (i < rest.size() && core::is_wsp(rest[i])) ++i;
  if (i == rest.size()) return FieldDelim::end;
  if (rest[i] != ';') {
    rest = rest.substr(i);
    return FieldDelim::missing;
  }
  ++i;
  while (i < rest.size() && core::is_wsp(rest[i])) ++i;
  rest = rest.substr(i);
  return rest.empty() ? FieldDelim::end : FieldDelim::next;
}

}  // namespace stsrelay::sts
