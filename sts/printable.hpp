// Quoting untrusted bytes (DNS, HTTP) for log lines and error texts: control and 8-bit bytes
// become '?', and long input is cut, so one hostile record cannot forge or flood a log line.
#pragma once

#include <string>
#include <string_view>

namespace stsrelay::sts {

inline std::string printable(std::string_view s, std::size_t max = 64) {
  std::string out;
  for (char c : s.substr(0, max)) {
    auto u = static_cast<unsigned char>(c);
    out += (u >= 0x20 && u < 0x7f) ? c : '?';
  }
  if (s.size() > max) out += "...";
  return out;
}

}  // namespace stsrelay::sts
