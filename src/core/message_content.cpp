#include "src/core/message_content.hpp"

#include <algorithm>

namespace stsrelay::core {

Result<std::string> load_whole(const MessageContent& content) {
  std::string out;
  out.reserve(content.size());
  out = content.head;
  out.resize(content.size());
  auto read = content.body.read_at(0, out.data() + content.head.size(), content.body.size());
  if (!read) return read.error();
  if (*read != content.body.size()) return Error::temporary("the spool file ended early");
  return out;
}

std::optional<std::string_view> MessageContentSource::in_memory() const {
  if (content_.spooled()) return std::nullopt;
  return std::string_view(content_.head);
}

Result<std::size_t> MessageContentSource::read_at(std::uint64_t offset, char* buf,
                                                  std::size_t n) {
  const std::string& head = content_.head;
  if (offset < head.size()) {
    // A read never crosses from the head into the file: callers loop, as with any short read.
    const std::size_t count = std::min<std::uint64_t>(n, head.size() - offset);
    std::copy_n(head.data() + offset, count, buf);
    return count;
  }
  if (!content_.spooled()) return std::size_t{0};
  return content_.body.read_at(offset - head.size(), buf, n);
}

}  // namespace stsrelay::core
