#include "smtp/text.hpp"

#include <cstring>

namespace stsrelay::smtp {

std::size_t find_line_break(std::string_view s, std::size_t from) {
  if (from >= s.size()) return std::string_view::npos;
  const char* begin = s.data() + from;
  const std::size_t n = s.size() - from;
  const void* lf = std::memchr(begin, '\n', n);
  const std::size_t limit = lf ? static_cast<std::size_t>(static_cast<const char*>(lf) - begin) : n;
  const void* cr = std::memchr(begin, '\r', limit);
  const void* first = cr ? cr : lf;
  return first ? from + static_cast<std::size_t>(static_cast<const char*>(first) - begin)
               : std::string_view::npos;
}

}  // namespace stsrelay::smtp
