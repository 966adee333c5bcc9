// The TLS-RPT recorder: delivery hands it one SessionRecord per session (OutcomeSink), and it
// keeps the daily counters in a CounterWriter: tlsrpt.db on one node, the shared database (through
// a local spool) in a fleet.
//
// record() only appends to an in-memory batch under a mutex, so delivery never waits for the
// disk. A writer thread wakes every flush_interval (one second by default), aggregates the
// batch into counters and adds them to the database in one transaction (SQLite WAL,
// synchronous=FULL): a crash loses at most the last interval's sessions and never leaves
// half-written counts. A failed write is logged and kept to be retried with the next one,
// aggregated, so memory stays bounded by the number of distinct counters, not of sessions.
// close() (and the destructor) stops the thread and writes what is left.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

#include "src/core/result.hpp"
#include "tlsrpt/counter_interfaces.hpp"
#include "tlsrpt/counter_store.hpp"
#include "tlsrpt/counters.hpp"
#include "tlsrpt/session_record.hpp"

namespace stsrelay::tlsrpt {

struct RecorderOptions {
  std::chrono::milliseconds flush_interval{1000};
};

// Counters for logs and tests.
struct RecorderStats {
  std::uint64_t recorded = 0;      // sessions handed to record()
  std::uint64_t written = 0;       // sessions whose counts are committed to the database
  std::uint64_t write_errors = 0;  // failed flushes (their counts are retried)
};

class Recorder final : public OutcomeSink {
 public:
  // Opens (creating if needed) tlsrpt.db at `path` and starts the writer thread. Errors name
  // the file.
  static core::Result<std::unique_ptr<Recorder>> open(const std::filesystem::path& path,
                                                      RecorderOptions options = {});
  // Writes to `writer` instead (a fleet's ClusterCounterWriter).
  static std::unique_ptr<Recorder> create(std::unique_ptr<CounterWriter> writer,
                                          RecorderOptions options = {});
  ~Recorder() override;
  Recorder(const Recorder&) = delete;
  Recorder& operator=(const Recorder&) = delete;

  // Cheap and non-blocking beyond a short mutex: appends to the batch.
  void record(SessionRecord record) override;

  // Writes everything recorded so far now (the report run calls it before reading a day).
  core::Status flush();

  // Stops the writer thread and flushes. Records that arrive later are written by the next
  // flush() or by the destructor. Safe to call more than once.
  core::Status close();

  RecorderStats stats() const;

 private:
  Recorder(std::unique_ptr<CounterWriter> store, RecorderOptions options);
  void run_writer();

  std::unique_ptr<CounterWriter> store_;
  RecorderOptions options_;

  // The hot path: record() appends here.
  std::mutex batch_mutex_;
  std::vector<SessionRecord> batch_;

  // One flush at a time; unwritten_ holds counts whose write failed, with their session count.
  std::mutex write_mutex_;
  Counters unwritten_;
  std::uint64_t unwritten_sessions_ = 0;

  std::mutex stop_mutex_;
  std::condition_variable stop_cv_;
  bool stopping_ = false;
  std::mutex join_mutex_;  // close() from two threads joins once
  std::thread writer_;

  std::atomic<std::uint64_t> recorded_{0};
  std::atomic<std::uint64_t> written_{0};
  std::atomic<std::uint64_t> write_errors_{0};
};

}  // namespace stsrelay::tlsrpt
