#include "tlsrpt/recorder.hpp"

#include <spdlog/spdlog.h>

namespace stsrelay::tlsrpt {

core::Result<std::unique_ptr<Recorder>> Recorder::open(const std::filesystem::path& path,
                                                       RecorderOptions options) {
  auto store = CounterStore::open(path);
  if (!store) return store.error();
  return std::unique_ptr<Recorder>(new Recorder(std::move(*store), options));
}

std::unique_ptr<Recorder> Recorder::create(std::unique_ptr<CounterWriter> writer,
                                           RecorderOptions options) {
  return std::unique_ptr<Recorder>(new Recorder(std::move(writer), options));
}

Recorder::Recorder(std::unique_ptr<CounterWriter> store, RecorderOptions options)
    : store_(std::move(store)), options_(options) {
  writer_ = std::thread([this] { run_writer(); });
}

Recorder::~Recorder() {
  if (auto st = close(); !st) {
    spdlog::error("tlsrpt: counts lost at shutdown: {}", st.error().message);
  }
}

void Recorder::record(SessionRecord record) {
  {
    std::lock_guard lock(batch_mutex_);
    batch_.push_back(std::move(record));
  }
  recorded_.fetch_add(1, std::memory_order_relaxed);
}

core::Status Recorder::flush() {
  std::lock_guard write_lock(write_mutex_);
  std::vector<SessionRecord> taken;
  {
    std::lock_guard lock(batch_mutex_);
    taken.swap(batch_);
  }
  for (const SessionRecord& r : taken) add_session(unwritten_, r);
  unwritten_sessions_ += taken.size();
  if (unwritten_.empty()) return core::Ok{};
  auto st = store_->add(unwritten_, unwritten_sessions_);
  if (!st) {
    write_errors_.fetch_add(1, std::memory_order_relaxed);
    return st;
  }
  written_.fetch_add(unwritten_sessions_, std::memory_order_relaxed);
  unwritten_.clear();
  unwritten_sessions_ = 0;
  return core::Ok{};
}

void Recorder::run_writer() {
  std::unique_lock lock(stop_mutex_);
  while (!stopping_) {
    stop_cv_.wait_for(lock, options_.flush_interval, [this] { return stopping_; });
    if (stopping_) break;
    lock.unlock();
    if (auto st = flush(); !st) {
      // Kept in unwritten_ and retried on the next tick; say so once per failed attempt.
      spdlog::error("tlsrpt: writing counters failed, retrying: {}", st.error().message);
    }
    lock.lock();
  }
}

core::Status Recorder::close() {
  {
    std::lock_guard lock(stop_mutex_);
    stopping_ = true;
  }
  stop_cv_.notify_all();
  {
    std::lock_guard lock(join_mutex_);
    if (writer_.joinable()) writer_.join();
  }
  return flush();
}

RecorderStats Recorder::stats() const {
  return RecorderStats{recorded_.load(), written_.load(), write_errors_.load()};
}

}  // namespace stsrelay::tlsrpt
