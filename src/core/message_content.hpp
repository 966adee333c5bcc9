// A message between the SMTP session and the queue. The common small message is all in `head`.
// A large one keeps its header section (with what the relay puts in front of it: Received:,
// DKIM-Signature) in `head` and its body in an unnamed spool file, so that no session holds
// more than the bounded header in memory; the queue copies both into its database in chunks.
#pragma once

#include <cstdint>
#include <string>
#include <utility>

#include "src/core/content_source.hpp"
#include "src/core/spool_file.hpp"

namespace stsrelay::core {

struct MessageContent {
  std::string head;  // the whole message, or, when `body` is open, everything before it
  SpoolFile body;    // open only for a message spooled to disk

  MessageContent() = default;
  explicit MessageContent(std::string whole) : head(std::move(whole)) {}
  MessageContent(std::string h, SpoolFile b) : head(std::move(h)), body(std::move(b)) {}

  bool spooled() const { return body.is_open(); }
  std::uint64_t size() const { return head.size() + body.size(); }
};

// The whole message in one string (head and spool file joined), for the rare message that must
// be rewritten as a whole; spool read errors are returned.
Result<std::string> load_whole(const MessageContent& content);

// `head` then the spool file, read at offsets; `content` must outlive the source.
class MessageContentSource final : public ContentSource {
 public:
  explicit MessageContentSource(const MessageContent& content) : content_(content) {}
  std::uint64_t size() const override { return content_.size(); }
  Result<std::size_t> read_at(std::uint64_t offset, char* buf, std::size_t n) override;
  std::optional<std::string_view> in_memory() const override;

 private:
  const MessageContent& content_;
};

}  // namespace stsrelay::core
