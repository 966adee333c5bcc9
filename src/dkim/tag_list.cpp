#include "src/dkim/tag_list.hpp"

#include <algorithm>

#include "src/core/ascii.hpp"

namespace stsrelay::dkim {
namespace {

bool is_fws(char c) { return core::is_wsp(c) || c == '\r' || c == '\n'; }

std::string without_fws(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (char c : s) {
    if (!is_fws(c)) out += c;
  }
  return out;
}

// tag-name = ALPHA *ALNUMPUNC, ALNUMPUNC = ALPHA / DIGIT / "_"
bool is_tag_name(std::string_view s) {
  return !s.empty() && core::is_alpha(s.front()) &&
         std::all_of(s.begin(), s.end(), [](char c) { return core::is_alnum(c) || c == '_'; });
}

}  // namespace

std::optional<std::string_view> TagList::get(std::string_view name) const {
  for (const auto& [n, v] : tags) {
    if (n == name) return std::string_view(v);
  }
  return std::nullopt;
}

core::Result<TagList> parse_tag_list(std::string_view text) {
  TagList list;
  std::size_t pos = 0;
  while (pos <= text.size()) {
    std::size_t end = text.find(';', pos);
    if (end == std::string_view::npos) end = text.size();
    const std::string_view spec = text.substr(pos, end - pos);
    pos = end + 1;
    if (without_fws(spec).empty()) {
      if (end == text.size()) break;  // the optional ";" at the end, or nothing at all
      return core::Error::invalid("an empty tag between two \";\"");
    }
    const std::size_t eq = spec.find('=');
    if (eq == std::string_view::npos) {
      return core::Error::invalid("tag \"" + without_fws(spec) + "\" has no \"=\"");
    }
    std::string name = without_fws(spec.substr(0, eq));
    if (!is_tag_name(name)) return core::Error::invalid("\"" + name + "\" is not a tag name");
    if (list.get(name)) return core::Error::invalid("tag \"" + name + "\" appears twice");
    list.tags.emplace_back(std::move(name), without_fws(spec.substr(eq + 1)));
  }
  return list;
}

}  // namespace stsrelay::dkim
