#include "src/core/content_source.hpp"

#include <algorithm>

namespace stsrelay::core {

Result<std::size_t> StringSource::read_at(std::uint64_t offset, char* buf, std::size_t n) {
  if (offset >= text_.size()) return std::size_t{0};
  const std::size_t count = std::min<std::uint64_t>(n, text_.size() - offset);
  std::copy_n(text_.data() + offset, count, buf);
  return count;
}

}  // namespace stsrelay::core
