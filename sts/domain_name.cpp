#include "sts/domain_name.hpp"

#include <idn2.h>

#include <cstdlib>

#include "sts/printable.hpp"

namespace stsrelay::sts {
namespace {

constexpr std::size_t kMaxLabel = 63;
constexpr std::size_t kMaxName = 253;

bool is_ldh_label(std::string_view label) {
  // RFC 5321 §4.1.2: sub-domain = Let-dig [Ldh-str]; Ldh-str ends in Let-dig.
  if (label.empty() || label.size() > kMaxLabel) return false;
  if (label.front() == '-' || label.back() == '-') return false;
  for (char c : label) {
    bool ok = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-';
    if (!ok) return false;
  }
  return true;
}

bool has_non_ascii(std::string_view s) {
  for (char c : s) {
    if (static_cast<unsigned char>(c) >= 0x80) return true;
  }
  return false;
}

}  // namespace

bool is_normalized_host(std::string_view name) {
  if (name.empty() || name.size() > kMaxName) return false;
  std::size_t start = 0;
  for (;;) {
    std::size_t dot = name.find('.', start);
    std::string_view label = name.substr(start, dot == std::string_view::npos ? dot : dot - start);
    if (!is_ldh_label(label)) return false;
    if (dot == std::string_view::npos) return true;
    start = dot + 1;
  }
}

core::Result<std::string> normalize_host(std::string_view name) {
  if (name.find('\0') != std::string_view::npos) {
    return core::Error::invalid("host name contains a NUL byte");
  }
  std::string lower;
  lower.reserve(name.size());
  for (char c : name) lower += (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c;
  // RFC 8461 §4.1: trailing dots are not significant ("mx.example.com." is "mx.example.com").
  if (!lower.empty() && lower.back() == '.') lower.pop_back();
  if (lower.empty()) return core::Error::invalid("empty host name");
  if (has_non_ascii(lower)) {
    char* ascii = nullptr;
    int rc = idn2_to_ascii_8z(lower.c_str(), &ascii, IDN2_NFC_INPUT | IDN2_NONTRANSITIONAL);
    if (rc != IDN2_OK) {
      return core::Error::invalid(std::string("not a valid internationalized name: ") +
                                  idn2_strerror(rc));
    }
    lower.assign(ascii);
    idn2_free(ascii);
    for (char& c : lower) {
      if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
    }
  }
  if (!is_normalized_host(lower)) {
    return core::Error::invalid("not a host name (letters, digits, hyphens, dots): \"" +
                                printable(lower) + "\"");
  }
  return lower;
}

}  // namespace stsrelay::sts
