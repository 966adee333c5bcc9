#include "sts/mx_match.hpp"

#include "src/core/ascii.hpp"

namespace stsrelay::sts {
namespace {

std::string_view drop_trailing_dot(std::string_view s) {
  if (!s.empty() && s.back() == '.') s.remove_suffix(1);
  return s;
}

}  // namespace

bool mx_matches(std::string_view host, std::string_view pattern) {
  host = drop_trailing_dot(host);
  pattern = drop_trailing_dot(pattern);
  if (host.empty() || pattern.empty()) return false;
  // §4.1: the wildcard is in the pattern only. An MX host name that itself holds a "*" (not a
  // valid host name) matches nothing, not even the identical pattern "*.example.com".
  if (host.find('*') != std::string_view::npos) return false;
  if (!pattern.starts_with("*.")) return core::iequals(host, pattern);
  // §4.1: the wildcard stands for exactly one left-most label, never zero or several.
  std::string_view suffix = pattern.substr(1);  // ".example.com"
  if (suffix.size() < 2 || host.size() <= suffix.size()) return false;
  std::string_view label = host.substr(0, host.size() - suffix.size());
  if (label.find('.') != std::string_view::npos) return false;
  return core::iequals(host.substr(label.size()), suffix);
}

bool mx_matches_any(std::string_view host, const std::vector<std::string>& patterns) {
  for (const std::string& p : patterns) {
    if (mx_matches(host, p)) return true;
  }
  return false;
}

}  // namespace stsrelay::sts
