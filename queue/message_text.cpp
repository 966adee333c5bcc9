#include "queue/message_text.hpp"

namespace stsrelay::queue {

std::string_view header_section(std::string_view content) {
  // A message that starts with an empty line has an empty header section.
  if (content.starts_with("\r\n") || content.starts_with("\n")) return content.substr(0, 0);
  std::size_t pos = 0;
  while (pos < content.size()) {
    const std::size_t eol = content.find('\n', pos);
    if (eol == std::string_view::npos) return content;
    const std::size_t next = eol + 1;
    // The line after this one is empty ("\r\n" or "\n"): the header section ends here.
    if (content.substr(next).starts_with("\r\n") || content.substr(next).starts_with("\n")) {
      return content.substr(0, next);
    }
    pos = next;
  }
  return content;
}

}  // namespace stsrelay::queue
