#include "src/app/daemon/queue_sink.hpp"

#include <spdlog/spdlog.h>

#include "src/core/log_quote.hpp"

namespace stsrelay::app {

void QueueSink::set_signing_keys(std::shared_ptr<const dkim::SigningKeys> keys) {
  std::lock_guard lock(mutex_);
  keys_ = std::move(keys);
}

std::shared_ptr<const dkim::SigningKeys> QueueSink::signing_keys() const {
  std::lock_guard lock(mutex_);
  return keys_;
}

smtp::MessageSink::Additions QueueSink::prepare(std::string_view content,
                                                core::SysTime accepted_at) {
  const std::shared_ptr<const dkim::SigningKeys> keys = signing_keys();
  Additions out;
  if (!keys || keys->empty()) return out;
  dkim::RelaySigning signing = dkim::sign_relayed(content, *keys, accepted_at);
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
