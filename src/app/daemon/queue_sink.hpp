// The SMTP server's MessageSink in the daemon: each accepted message goes to the durable queue.
// The server answers "250" only when `done` reports the queue id, which Store::enqueue does
// after the transaction holding the message committed (group commit, synchronous=FULL).
#pragma once

#include "queue/store.hpp"
#include "smtp/message_sink.hpp"

namespace stsrelay::app {

class QueueSink final : public smtp::MessageSink {
 public:
  explicit QueueSink(queue::Store& store) : store_(store) {}

  std::string new_queue_id() override { return store_.new_id(); }

  void store(std::string queue_id, core::Envelope envelope, std::string content,
             std::function<void(core::Result<std::string>)> done) override {
    store_.enqueue_with_id(std::move(queue_id), std::move(envelope), std::move(content),
                           std::move(done));
  }

 private:
  queue::Store& store_;
};

}  // namespace stsrelay::app
