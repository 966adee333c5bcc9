#include "sts/field_syntax.hpp"

#include <algorithm>

#include "src/core/ascii.hpp"

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

}  // namespace stsrelay::sts
