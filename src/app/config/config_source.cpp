#include "src/app/config/config_source.hpp"

#include <algorithm>

namespace stsrelay::app {

std::uint32_t ConfigSource::line(std::string_view key) const {
  auto it = lines_.find(key);
  if (it == lines_.end() && !key.empty() && key.back() == ']') {
    // "relay.allow_networks[2]" -> "relay.allow_networks"
    if (auto open = key.rfind('['); open != std::string_view::npos) {
      it = lines_.find(key.substr(0, open));
    }
  }
  return it == lines_.end() ? 0 : it->second;
}

std::string ConfigSource::where(std::string_view key) const {
  const std::uint32_t n = line(key);
  return n == 0 ? file_ : file_ + ":" + std::to_string(n);
}

std::string ConfigSource::problem(std::string_view key, std::string_view what) const {
  std::string out = where(key);
  out += ": ";
  out += key;
  out += ": ";
  out += what;
  return out;
}

std::string Problems::joined() const {
  auto sorted = items;
  std::stable_sort(sorted.begin(), sorted.end(),
                   [](const auto& a, const auto& b) { return a.first < b.first; });
  std::string out;
  for (const auto& [line, text] : sorted) {
    if (!out.empty()) out += '\n';
    out += text;
  }
  return out;
}

}  // namespace stsrelay::app
