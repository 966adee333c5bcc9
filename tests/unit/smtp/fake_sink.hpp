// A MessageSink for the server tests: stores messages in memory and calls `done` from its own
// worker thread, as the queue's writer thread does. Can hold stores pending, or fail them.
#pragma once

#include <condition_variable>
#include <deque>
#include <filesystem>
#include <mutex>
#include <optional>
#include <thread>
#include <vector>

#include "smtp/message_sink.hpp"

namespace stsrelay::smtp::testing {

class FakeSink final : public MessageSink {
 public:
  struct Stored {
    std::string queue_id;
    core::Envelope envelope;
    std::string content;
  };

  FakeSink() : worker_([this] { run(); }) {}
  ~FakeSink() override {
    {
      std::lock_guard lock(mu_);
      quit_ = true;
      held_ = false;
    }
    cv_.notify_all();
    worker_.join();
  }

  // From now on, bodies of messages over smtp::kSpoolThreshold go to spool files in `dir`, as
  // in the daemon; stored() shows them joined again.
  void spool_into(std::filesystem::path dir) {
    std::lock_guard lock(mu_);
    spool_dir_ = std::move(dir);
  }
  std::optional<std::filesystem::path> spool_directory() const override {
    std::lock_guard lock(mu_);
    if (spool_dir_.empty()) return std::nullopt;
    return spool_dir_;
  }

  std::string new_queue_id() override {
    std::lock_guard lock(mu_);
    return "Q" + std::to_string(++ids_given_);
  }

  void store(std::string queue_id, core::Envelope envelope, core::MessageContent content,
             std::function<void(core::Result<std::string>)> done) override {
    auto whole = core::load_whole(content);
    {
      std::lock_guard lock(mu_);
      if (content.spooled()) ++spooled_;
      jobs_.push_back({{std::move(queue_id), std::move(envelope),
                        whole ? std::move(*whole) : std::string()},
                       std::move(done)});
      ++received_;
    }
    cv_.notify_all();
  }

  // Stores wait until release() (shutdown while a store is in flight).
  void hold() {
    std::lock_guard lock(mu_);
    held_ = true;
  }
  void release() {
    {
      std::lock_guard lock(mu_);
      held_ = false;
    }
    cv_.notify_all();
  }
  void fail_with(core::Error e) {
    std::lock_guard lock(mu_);
    failure_ = std::move(e);
  }

  std::vector<Stored> stored() const {
    std::lock_guard lock(mu_);
    return stored_;
  }
  // Messages whose body arrived in a spool file.
  std::size_t spooled() const {
    std::lock_guard lock(mu_);
    return spooled_;
  }
  std::size_t received() const {
    std::lock_guard lock(mu_);
    return received_;
  }
  std::thread::id worker_id() const { return worker_.get_id(); }
  std::vector<std::thread::id> callback_threads() const {
    std::lock_guard lock(mu_);
    return callback_threads_;
  }

 private:
  struct Job {
    Stored message;
    std::function<void(core::Result<std::string>)> done;
  };

  void run() {
    std::unique_lock lock(mu_);
    while (true) {
      cv_.wait(lock, [this] { return quit_ || (!held_ && !jobs_.empty()); });
      if (jobs_.empty() && quit_) return;
      Job job = std::move(jobs_.front());
      jobs_.pop_front();
      std::optional<core::Error> failure = failure_;
      std::string id;
      if (!failure) {
        id = job.message.queue_id;
        stored_.push_back(std::move(job.message));
      }
      callback_threads_.push_back(std::this_thread::get_id());
      lock.unlock();
      if (failure) {
        job.done(*failure);
      } else {
        job.done(id);
      }
      lock.lock();
    }
  }

  mutable std::mutex mu_;
  std::condition_variable cv_;
  std::deque<Job> jobs_;
  std::vector<Stored> stored_;
  std::vector<std::thread::id> callback_threads_;
  std::optional<core::Error> failure_;
  std::size_t received_ = 0;
  std::size_t spooled_ = 0;
  std::size_t ids_given_ = 0;
  bool held_ = false;
  bool quit_ = false;
  std::filesystem::path spool_dir_;
  std::thread worker_;
};

}  // namespace stsrelay::smtp::testing
