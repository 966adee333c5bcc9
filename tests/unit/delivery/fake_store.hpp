// A queue::Store for the delivery tests, in memory and on the calling thread: messages to load,
// jobs for claim_due() to hand out once, and a record of what the agent recorded (results and
// DSN notices) and released. record() answers at once; `fail_record` makes it fail as a full
// disk would.
#pragma once

#include <algorithm>
#include <map>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "queue/store.hpp"

namespace stsrelay::delivery::testing {

// The content of a large message as the queue hands it out: read at offsets, never whole.
class ChunkedSource final : public core::ContentSource {
 public:
  explicit ChunkedSource(std::string text) : text_(std::move(text)) {}
  std::uint64_t size() const override { return text_.size(); }
  core::Result<std::size_t> read_at(std::uint64_t offset, char* buf, std::size_t n) override {
    if (offset >= text_.size()) return std::size_t{0};
    const std::size_t count = std::min<std::uint64_t>(n, text_.size() - offset);
    std::copy_n(text_.data() + offset, count, buf);
    return count;
  }

 private:
  std::string text_;
};

class FakeStore final : public queue::Store {
 public:
  std::map<std::string, std::string> contents;  // message id -> content
  std::vector<queue::DeliveryJob> due;          // handed out by the next claim_due()
  bool fail_record = false;

  std::vector<queue::RecipientResult> results;
  std::vector<queue::NewMessage> notices;
  std::vector<std::int64_t> released;
  std::size_t records = 0;
  std::size_t streamed = 0;  // open_content() calls (messages too large to load whole)

  // The result recorded for a recipient, or null.
  const queue::RecipientResult* result_of(std::int64_t id) const {
    for (const auto& r : results) {
      if (r.recipient_id == id) return &r;
    }
    return nullptr;
  }

  void enqueue(core::Envelope, std::string,
               std::function<void(core::Result<std::string>)> done) override {
    done(core::Error{core::ErrorKind::invalid, "not in the fake"});
  }
  std::string new_id() override { return "0000000000000000"; }
  void enqueue_with_id(std::string, core::Envelope, core::MessageContent,
                       std::function<void(core::Result<std::string>)> done) override {
    done(core::Error{core::ErrorKind::invalid, "not in the fake"});
  }
  void close() override {}
  queue::StoreStats stats() const override { return {}; }

  core::Result<std::vector<queue::DeliveryJob>> claim_due(core::SysTime,
                                                         const queue::ClaimLimits&) override {
    return std::exchange(due, {});
  }
  void release(const std::vector<std::int64_t>& ids) override {
    released.insert(released.end(), ids.begin(), ids.end());
  }
  core::Result<std::string> load_content(std::string_view message_id) override {
    const auto it = contents.find(std::string(message_id));
    if (it == contents.end()) return core::Error{core::ErrorKind::not_found, "no such message"};
    return it->second;
  }
  core::Result<std::unique_ptr<core::ContentSource>> open_content(
      std::string_view message_id) override {
    const auto it = contents.find(std::string(message_id));
    if (it == contents.end()) return core::Error{core::ErrorKind::not_found, "no such message"};
    ++streamed;
    return std::unique_ptr<core::ContentSource>(std::make_unique<ChunkedSource>(it->second));
  }
  void record(std::vector<queue::RecipientResult> r, std::vector<queue::NewMessage> n,
              std::function<void(core::Result<std::vector<std::string>>)> done) override {
    ++records;
    if (fail_record) {
      done(core::Error{core::ErrorKind::no_space, "disk full"});
      return;
    }
    std::vector<std::string> ids;
    for (auto& m : n) {
      ids.push_back("N" + std::to_string(notices.size() + 1));
      notices.push_back(std::move(m));
    }
    results.insert(results.end(), r.begin(), r.end());
    done(std::move(ids));
  }
  core::Result<std::optional<core::SysTime>> next_due() override {
    return std::optional<core::SysTime>{};
  }
  void set_work_listener(std::function<void()> listener) override {
    listener_ = std::move(listener);
  }
  std::size_t leased() const override { return 0; }

  // New due work: what the queue's writer does after a commit.
  void wake() {
    if (listener_) listener_();
  }

 private:
  std::function<void()> listener_;
};

}  // namespace stsrelay::delivery::testing
