// Text helpers the check judgements share (check_findings.cpp, check_dane.cpp). Pure.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace stsrelay::app {

// "a, b, c": `items` in order, `separator` between them.
inline std::string join(const std::vector<std::string>& items,
                        std::string_view separator = ", ") {
  std::string out;
  for (const std::string& item : items) {
    if (!out.empty()) out += separator;
    out += item;
  }
  return out;
}

}  // namespace stsrelay::app
