// A message's content as something read at offsets, so that a large message can be hashed,
// scanned and sent in chunks without being held whole: the queue reads it from its database,
// the SMTP session from its spool file, tests and small messages from a string.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "src/core/result.hpp"

namespace stsrelay::core {

class ContentSource {
 public:
  virtual ~ContentSource() = default;
  virtual std::uint64_t size() const = 0;
  // Up to `n` bytes from `offset` into `buf`; fewer only at the end.
  virtual Result<std::size_t> read_at(std::uint64_t offset, char* buf, std::size_t n) = 0;
  // The whole content when it is in memory already: callers then skip the copying.
  virtual std::optional<std::string_view> in_memory() const { return std::nullopt; }
};

// A content held by someone else in memory; `text` must outlive the source.
class StringSource final : public ContentSource {
 public:
  explicit StringSource(std::string_view text) : text_(text) {}
  std::uint64_t size() const override { return text_.size(); }
  Result<std::size_t> read_at(std::uint64_t offset, char* buf, std::size_t n) override;
  std::optional<std::string_view> in_memory() const override { return text_; }

 private:
  std::string_view text_;
};

// Calls `take(chunk)` for the bytes of `source` from `offset` on, in chunks of at most `block`
// octets, until the end or until `take` returns false. Read errors stop it and are returned.
template <class Take>
Status for_each_chunk(ContentSource& source, std::uint64_t offset, std::size_t block,
                      char* buffer, Take take) {
  if (auto whole = source.in_memory()) {
    for (std::uint64_t pos = offset; pos < whole->size(); pos += block) {
      if (!take(whole->substr(pos, block))) break;
    }
    return Ok{};
  }
  for (std::uint64_t pos = offset; pos < source.size();) {
    auto n = source.read_at(pos, buffer, block);
    if (!n) return n.error();
    if (*n == 0) return Error::temporary("content ends at byte " + std::to_string(pos) +
                                         " of " + std::to_string(source.size()));
    pos += *n;
    if (!take(std::string_view(buffer, *n))) break;
  }
  return Ok{};
}

}  // namespace stsrelay::core
