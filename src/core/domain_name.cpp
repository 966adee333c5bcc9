#include "src/core/domain_name.hpp"

#include <idn2.h>

#include <algorithm>

#include "src/core/ascii.hpp"
#include "src/core/log_quote.hpp"

namespace stsrelay::core {
namespace {

constexpr std::size_t kMaxLabel = 63;
constexpr std::size_t kMaxName = 253;

}  // namespace

bool is_ldh_label(std::string_view label) {
  if (label.empty() || label.size() > kMaxLabel) return false;
  if (!is_alnum(label.front()) || !is_alnum(label.back())) return false;
  return std::all_of(label.begin(), label.end(), [](char c) { return is_alnum(c) || c == '-'; });
}

bool is_normalized_domain(std::string_view name) {
  if (name.empty() || name.size() > kMaxName) return false;
  std::size_t start = 0;
  for (;;) {
    std::size_t dot = name.find('.', start);
    std::string_view label = name.substr(start, dot == std::string_view::npos ? dot : dot - start);
    if (!is_ldh_label(label) || label != to_lower_ascii(label)) return false;
    if (dot == std::string_view::npos) return true;
    start = dot + 1;
  }
}

Result<std::string> idna_to_ascii(std::string_view utf8) {
  if (utf8.find('\0') != std::string_view::npos) {
    return Error::invalid("host name contains a NUL byte");
  }
  const std::string input(utf8);
  char* ascii = nullptr;
  const int rc = idn2_to_ascii_8z(input.c_str(), &ascii, IDN2_NFC_INPUT | IDN2_NONTRANSITIONAL);
  if (rc != IDN2_OK) {
    return Error::invalid(std::string("not a valid internationalized name: ") +
                          idn2_strerror(rc));
  }
  std::string out = to_lower_ascii(ascii);
  idn2_free(ascii);
  return out;
}

Result<std::string> normalize_domain(std::string_view name) {
  if (name.find('\0') != std::string_view::npos) {
    return Error::invalid("host name contains a NUL byte");
  }
  std::string lower = to_lower_ascii(name);
  // RFC 8461 §4.1: trailing dots are not significant ("mx.example.com." is "mx.example.com").
  if (!lower.empty() && lower.back() == '.') lower.pop_back();
  if (lower.empty()) return Error::invalid("empty host name");
  if (has_non_ascii(lower)) {
    auto a_labels = idna_to_ascii(lower);
    if (!a_labels) return a_labels.error();
    lower = std::move(*a_labels);
  }
  if (!is_normalized_domain(lower)) {
    return Error::invalid("not a host name (letters, digits, hyphens, dots): \"" +
                          printable(lower) + "\"");
  }
  return lower;
}

}  // namespace stsrelay::core
