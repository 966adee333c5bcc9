// Enqueue rate of queue::Store: N producer threads, each waiting for its acknowledgement before
// sending the next message (as an SMTP session waits before its "250"), for 1 KiB and 100 KiB
// bodies. Prints messages/second and write transactions/second; their ratio is the average
// group-commit batch. The "batch=1" rows turn group commit off (max_batch_operations = 1) to
// show what it buys. The database lives in --dir (default: a new directory under the current
// one), so the figures are those of that file system's fsync.
//
//   queue_bench [--seconds S] [--dir PATH] [--body BYTES] [--producers N]
// (--body and --producers run that one case instead of the whole table.)
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <future>
#include <string>
#include <thread>
#include <vector>

#include "queue/store.hpp"

namespace {

using stsrelay::core::Envelope;
using stsrelay::queue::OpenOptions;
using stsrelay::queue::Store;

struct Figures {
  double messages_per_second = 0;
  double transactions_per_second = 0;
  std::uint64_t failures = 0;
};

Figures run(const std::filesystem::path& db, int producers, std::size_t body_bytes, double seconds,
            std::size_t max_batch) {
  std::filesystem::remove(db);
  std::filesystem::remove(db.string() + "-wal");
  std::filesystem::remove(db.string() + "-shm");
  stsrelay::core::SystemClock clock;
  OpenOptions options;
  options.max_batch_operations = max_batch;
  auto store = Store::open(db, clock, options);
  if (!store) {
    std::fprintf(stderr, "open %s: %s\n", db.c_str(), store.error().message.c_str());
    std::exit(1);
  }
  Envelope envelope;
  envelope.sender = "bench@example.com";
  envelope.recipients = {{"rcpt@example.net", 0, ""}};
  envelope.client_address = "127.0.0.1";
  std::string content = "Subject: bench\r\n\r\n";
  while (content.size() < body_bytes) content += std::string(76, 'x') + "\r\n";
  content.resize(body_bytes);

  const std::uint64_t transactions_before = (*store)->stats().transactions;
  const auto start = std::chrono::steady_clock::now();
  const auto stop = start + std::chrono::duration<double>(seconds);
  std::atomic<std::uint64_t> failures{0};
  std::vector<std::thread> threads;
  for (int p = 0; p < producers; ++p) {
    threads.emplace_back([&] {
      while (std::chrono::steady_clock::now() < stop) {
        std::promise<bool> acked;
        (*store)->enqueue(envelope, content,
                          [&](stsrelay::core::Result<std::string> r) { acked.set_value(r.ok()); });
        if (!acked.get_future().get()) ++failures;
      }
    });
  }
  for (auto& t : threads) t.join();
  const double elapsed =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  const auto stats = (*store)->stats();
  (*store)->close();
  return {static_cast<double>(stats.enqueued) / elapsed,
          static_cast<double>(stats.transactions - transactions_before) / elapsed, failures.load()};
}

}  // namespace

int main(int argc, char** argv) {
  double seconds = 3;
  std::filesystem::path dir;
  std::size_t only_body = 0;
  int only_producers = 0;
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    if (arg == "--seconds" && i + 1 < argc) {
      seconds = std::atof(argv[++i]);
    } else if (arg == "--dir" && i + 1 < argc) {
      dir = argv[++i];
    } else if (arg == "--body" && i + 1 < argc) {
      only_body = static_cast<std::size_t>(std::atoll(argv[++i]));
    } else if (arg == "--producers" && i + 1 < argc) {
      only_producers = std::atoi(argv[++i]);
    } else {
      std::fprintf(stderr, "usage: %s [--seconds S] [--dir PATH] [--body BYTES] [--producers N]\n",
                   argv[0]);
      return 2;
    }
  }
  const bool own_dir = dir.empty();
  if (own_dir) {
    std::string pattern = (std::filesystem::current_path() / "queue-bench-XXXXXX").string();
    if (mkdtemp(pattern.data()) == nullptr) return 1;
    dir = pattern;
  }
  const auto db = dir / "queue.db";
  std::printf("%-9s %-6s %-8s %12s %12s %10s\n", "body", "batch", "producers", "msgs/s",
              "commits/s", "msgs/commit");
  std::vector<std::size_t> bodies{1024, 100 * 1024};
  std::vector<int> producer_counts{1, 10, 50};
  const bool one_case = only_body != 0 || only_producers != 0;
  if (only_body != 0) bodies = {only_body};
  if (only_producers != 0) producer_counts = {only_producers};
  for (std::size_t body : bodies) {
    for (int producers : producer_counts) {
      for (std::size_t batch : {std::size_t{512}, std::size_t{1}}) {
        if (batch == 1 && (producers != 50 || one_case)) continue;
        const Figures f = run(db, producers, body, seconds, batch);
        std::printf(
            "%-9s %-6s %-8d %12.0f %12.0f %10.1f%s\n",
            (std::to_string(body / 1024) + "KiB").c_str(), batch == 1 ? "1" : "512", producers,
            f.messages_per_second, f.transactions_per_second,
            f.transactions_per_second > 0 ? f.messages_per_second / f.transactions_per_second : 0.0,
            f.failures != 0 ? "  (failures!)" : "");
        std::fflush(stdout);
      }
    }
  }
  if (own_dir) std::filesystem::remove_all(dir);
  return 0;
}
