#include "smtp/crlf_lines.hpp"

namespace stsrelay::smtp {

bool has_line_longer_than(std::string_view text, std::size_t limit) {
  std::size_t pos = 0;
  while (pos < text.size()) {
    const CrlfLine line = line_at(text, pos);
    if (line.size() > limit) return true;
    pos = line.next;
  }
  return false;
}

}  // namespace stsrelay::smtp
