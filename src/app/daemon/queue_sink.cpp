#include "src/app/daemon/queue_sink.hpp"

#include <spdlog/spdlog.h>

#include "src/core/log_quote.hpp"
#include "src/dkim/signer.hpp"

namespace stsrelay::app {

void QueueSink::set_signing_keys(std::shared_ptr<const dkim::SigningKeys> keys) {
  std::lock_guard lock(mutex_);
  keys_ = std::move(keys);
}

std::shared_ptr<const dkim::SigningKeys> QueueSink::signing_keys() const {
  std::lock_guard lock(mutex_);
  return keys_;
}

namespace {

// Chunks in which a spooled body is read for its DKIM body hash.
constexpr std::size_t kHashBlock = 256 * 1024;

// The bh= of a spooled message's body: its spool file, read in chunks (the head holds only the
// header section, up to and including the empty line).
core::Result<std::string> spooled_body_hash(const core::MessageContent& content) {
  dkim::BodyHasher hasher;
  std::string buffer(kHashBlock, '\0');
  for (std::uint64_t pos = 0; pos < content.body.size();) {
    auto n = content.body.read_at(pos, buffer.data(), buffer.size());
    if (!n) return n.error();
    if (*n == 0) return core::Error::temporary("the spool file ended early");
    hasher.feed(std::string_view(buffer.data(), *n));
    pos += *n;
  }
  return hasher.finish();
}

}  // namespace

smtp::MessageSink::Additions QueueSink::prepare(const core::MessageContent& content,
                                                core::SysTime accepted_at) {
  const std::shared_ptr<const dkim::SigningKeys> keys = signing_keys();
  Additions out;
  if (!keys || keys->empty()) return out;
  dkim::RelaySigning signing =
      content.spooled()
          ? dkim::sign_relayed_header(
                content.head, [&content] { return spooled_body_hash(content); }, *keys,
                accepted_at)
          : dkim::sign_relayed(content.head, *keys, accepted_at);
  out.header_fields = std::move(signing.fields);
  for (const auto& as : signing.signed_as) out.log_fields += " dkim=" + as;
  if (!signing.not_signed.empty()) {
    // Not signed, for a reason an administrator may want to see next to the message: a From:
    // with two addresses, a key that failed. Mail of domains without a key says nothing.
    out.log_fields += " dkim_unsigned=" + core::log_value(signing.not_signed);
  }
  if (signing.failed) spdlog::error("dkim: signing failed: {}", signing.not_signed);
  std::lock_guard lock(mutex_);
  for (const auto& as : signing.signed_as) ++counts_.signatures[as.substr(0, as.find('/'))];
  if (signing.failed) ++counts_.failures;
  return out;
}

SigningCounts QueueSink::signing_counts() const {
  std::lock_guard lock(mutex_);
  return counts_;
}

}  // namespace stsrelay::app
