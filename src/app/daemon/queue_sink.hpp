// The SMTP server's MessageSink in the daemon: each accepted message is DKIM-signed for its
// author domain ([[dkim.sign]], src/dkim/relay_signing.hpp) and goes to the durable queue. The
// server answers "250" only when `done` reports the queue id, which Store::enqueue does after
// the transaction holding the message committed (group commit, synchronous=FULL): the stored
// message is the signed one, so every delivery attempt sends the same bytes.
#pragma once

#include <atomic>
#include <filesystem>
#include <map>
#include <memory>
#include <mutex>

#include "queue/store.hpp"
#include "smtp/message_sink.hpp"
#include "src/dkim/relay_signing.hpp"

namespace stsrelay::app {

struct SigningCounts {
  std::map<std::string, std::uint64_t> signatures;  // by signing domain
  std::uint64_t failures = 0;  // a key of the author domain could not sign
};

class QueueSink final : public smtp::MessageSink {
 public:
  // `spool_dir`: where bodies of large messages wait until stored (the daemon's
  // state_dir/incoming); empty keeps every message in memory.
  explicit QueueSink(queue::Store& store, std::filesystem::path spool_dir = {})
      : store_(store), spool_dir_(std::move(spool_dir)) {}

  // The keys to sign with from now on (start-up and SIGHUP); messages being signed keep the
  // set they started with.
  void set_signing_keys(std::shared_ptr<const dkim::SigningKeys> keys);
  std::shared_ptr<const dkim::SigningKeys> signing_keys() const;

  std::optional<std::filesystem::path> spool_directory() const override {
    if (spool_dir_.empty()) return std::nullopt;
    return spool_dir_;
  }

  // Signs over the header section in memory; the body hash of a spooled message is computed
  // from its spool file in chunks, only when a key will sign.
  Additions prepare(const core::MessageContent& content, core::SysTime accepted_at) override;

  std::string new_queue_id() override { return store_.new_id(); }

  void store(std::string queue_id, core::Envelope envelope, core::MessageContent content,
             std::function<void(core::Result<std::string>)> done) override {
    store_.enqueue_with_id(std::move(queue_id), std::move(envelope), std::move(content),
                           std::move(done));
  }

  SigningCounts signing_counts() const;

 private:
  queue::Store& store_;
  const std::filesystem::path spool_dir_;
  mutable std::mutex mutex_;
  std::shared_ptr<const dkim::SigningKeys> keys_;  // guarded by mutex_
  SigningCounts counts_;                           // guarded by mutex_
};

}  // namespace stsrelay::app
