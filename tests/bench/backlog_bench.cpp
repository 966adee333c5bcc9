// The queue as a dead domain's backlog grows: recipients for dead.example are enqueued through
// queue::Store (the ingress path's own code) and deferred for an hour through claim_due() and
// record() (the delivery engine's), until the backlog holds each size asked for. At each size:
// - the enqueue rate of new mail (1 KiB, 10 producers waiting for their acknowledgement, as SMTP
//   sessions do), against the rate with an empty queue;
// - what the delivery engine pays for that new mail: claim_due() per job while the backlog sits
//   there (not due), and while all of it is due but its domain is at its limit; next_due();
// - opening the store (a daemon's start: schema, in-flight recipients made due again);
// - what the CLI pays: Reader::count_by_state(), Reader::show(id), Reader::list();
// - the database's size.
// Prints figures; asserts nothing.
//
//   backlog_bench [--sizes 0,10000,100000,1000000] [--dir PATH] [--seconds S]
//
// With --fill N it only builds a backlog in DIR/queue.db for a daemon to start on (the
// daemon's own bench, backlog_e2e.py): N recipients at rcpt@DOMAIN, each deferred once, due
// again spread evenly from FROM to FROM + SPREAD seconds after the fill.
//
//   backlog_bench --fill N --dir PATH --domain DOMAIN [--due-from FROM] [--due-spread SPREAD]
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <future>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "queue/store.hpp"

namespace {

using stsrelay::core::Envelope;
using stsrelay::queue::ClaimLimits;
using stsrelay::queue::DeliveryJob;
using stsrelay::queue::RecipientResult;
using stsrelay::queue::RecipientState;
using stsrelay::queue::Store;
using Clock = std::chrono::steady_clock;

double seconds_since(Clock::time_point start) {
  return std::chrono::duration<double>(Clock::now() - start).count();
}

[[noreturn]] void die(const std::string& what) {
  std::fprintf(stderr, "backlog_bench: %s\n", what.c_str());
  std::exit(1);
}

Envelope envelope_to(const std::string& recipient) {
  Envelope e;
  e.sender = "bench@example.com";
  e.recipients = {{recipient, 0, ""}};
  e.client_address = "127.0.0.1";
  return e;
}

std::string content_of(std::size_t bytes) {
  std::string content = "Subject: backlog\r\n\r\n";
  while (content.size() < bytes) content += std::string(76, 'x') + "\r\n";
  content.resize(bytes);
  return content;
}

// Enqueues `count` messages to `recipient` with `producers` threads; returns messages/second.
double enqueue(Store& store, std::size_t count, int producers, const std::string& recipient,
               const std::string& content) {
  std::atomic<std::size_t> next{0};
  std::atomic<std::uint64_t> failures{0};
  const Envelope envelope = envelope_to(recipient);
  const auto start = Clock::now();
  std::vector<std::thread> threads;
  for (int p = 0; p < producers; ++p) {
    threads.emplace_back([&] {
      while (next.fetch_add(1) < count) {
        std::promise<bool> acked;
        store.enqueue(envelope, content,
                      [&](stsrelay::core::Result<std::string> r) { acked.set_value(r.ok()); });
        if (!acked.get_future().get()) ++failures;
      }
    });
  }
  for (auto& t : threads) t.join();
  if (failures != 0) die("enqueue failed " + std::to_string(failures.load()) + " times");
  return static_cast<double>(count) / seconds_since(start);
}

// Enqueue rate for `seconds` with `producers` producers (the accept path's figure).
double enqueue_rate(Store& store, int producers, double seconds, const std::string& content) {
  std::atomic<std::uint64_t> done{0};
  const Envelope envelope = envelope_to("rcpt@live.example");
  const auto start = Clock::now();
  const auto stop = start + std::chrono::duration<double>(seconds);
  std::vector<std::thread> threads;
  for (int p = 0; p < producers; ++p) {
    threads.emplace_back([&] {
      while (Clock::now() < stop) {
        std::promise<bool> acked;
        store.enqueue(envelope, content,
                      [&](stsrelay::core::Result<std::string> r) { acked.set_value(r.ok()); });
        if (acked.get_future().get()) ++done;
      }
    });
  }
  for (auto& t : threads) t.join();
  return static_cast<double>(done.load()) / seconds_since(start);
}

void record_all(Store& store, std::vector<RecipientResult> results) {
  std::promise<bool> recorded;
  store.record(std::move(results), {}, [&](auto r) { recorded.set_value(r.ok()); });
  if (!recorded.get_future().get()) die("record failed");
}

struct ClaimFigures {
  std::size_t jobs = 0;
  double seconds = 0;  // in claim_due() only
};

// Claims everything due now and records it: deferred an hour (the backlog) or delivered (new
// mail, which then leaves the queue).
ClaimFigures claim_and_record(Store& store, RecipientState state) {
  ClaimFigures f;
  ClaimLimits limits;
  limits.max_jobs = 1000;
  while (true) {
    const auto now = std::chrono::system_clock::now();
    const auto start = Clock::now();
    auto jobs = store.claim_due(now, limits);
    f.seconds += seconds_since(start);
    if (!jobs) die("claim_due: " + jobs.error().message);
    if (jobs->empty()) return f;
    f.jobs += jobs->size();
    std::vector<RecipientResult> results;
    const std::int64_t later =
        std::chrono::duration_cast<std::chrono::seconds>(now.time_since_epoch()).count() + 3600;
    for (const DeliveryJob& job : *jobs) {
      for (const auto& r : job.recipients) {
        results.push_back({r.id, state, state == RecipientState::deferred ? later : 0,
                           state == RecipientState::deferred ? "451 4.4.1 no answer" : "250 ok"});
      }
    }
    record_all(store, std::move(results));
  }
}

// The claims a delivery engine makes while the whole backlog is due but its domain is at its
// concurrency limit (the dead domain came back and is busy): `count` new messages to another
// domain, claimed 20 jobs at most at a time with no room for dead.example, then delivered.
ClaimFigures claim_beside_a_due_backlog(Store& store, std::size_t count,
                                        const std::string& content) {
  enqueue(store, count, 10, "rcpt@live.example", content);
  // The new mail is made due two hours on, after every recipient of the backlog (deferred for
  // one hour): the claims then meet the whole backlog first, in due order.
  const auto later = std::chrono::system_clock::now() + std::chrono::hours(2);
  const std::int64_t later_unix =
      std::chrono::duration_cast<std::chrono::seconds>(later.time_since_epoch()).count();
  for (;;) {
    auto jobs = store.claim_due(std::chrono::system_clock::now(), ClaimLimits{});
    if (!jobs) die("claim_due: " + jobs.error().message);
    if (jobs->empty()) break;
    std::vector<RecipientResult> results;
    for (const DeliveryJob& job : *jobs) {
      for (const auto& r : job.recipients) {
        results.push_back({r.id, RecipientState::deferred, later_unix, "451 4.3.0 later"});
      }
    }
    record_all(store, std::move(results));
  }
  ClaimFigures f;
  ClaimLimits limits;
  limits.max_jobs = 20;
  limits.domain_room = [](std::string_view domain) -> std::size_t {
    return domain == "dead.example" ? 0 : 20;
  };
  while (true) {
    const auto start = Clock::now();
    auto jobs = store.claim_due(later, limits);
    f.seconds += seconds_since(start);
    if (!jobs) die("claim_due: " + jobs.error().message);
    if (jobs->empty()) return f;
    f.jobs += jobs->size();
    std::vector<RecipientResult> results;
    for (const DeliveryJob& job : *jobs) {
      if (job.domain != "live.example") die("claimed " + job.domain + " without room");
      for (const auto& r : job.recipients) {
        results.push_back({r.id, RecipientState::delivered, 0, "250 ok"});
      }
    }
    record_all(store, std::move(results));
  }
}

// --fill: enqueues `count` messages through the Store, then defers their recipients (claimed
// in jobs as a delivery engine would) to be due again spread over [from, from + spread).
void fill_backlog(Store& store, std::size_t count, const std::string& recipient,
                  std::int64_t from, std::int64_t spread, const std::string& content) {
  enqueue(store, count, 64, recipient, content);
  const std::int64_t now = std::chrono::duration_cast<std::chrono::seconds>(
                               std::chrono::system_clock::now().time_since_epoch())
                               .count();
  std::size_t deferred = 0;
  ClaimLimits limits;
  limits.max_jobs = 1000;
  while (true) {
    auto jobs = store.claim_due(std::chrono::system_clock::now(), limits);
    if (!jobs) die("claim_due: " + jobs.error().message);
    if (jobs->empty()) break;
    std::vector<RecipientResult> results;
    for (const DeliveryJob& job : *jobs) {
      for (const auto& r : job.recipients) {
        const auto offset = static_cast<std::int64_t>(deferred++ * static_cast<std::size_t>(
                                                                       spread) / count);
        results.push_back({r.id, RecipientState::deferred, now + from + offset,
                           "421 4.4.2 connection refused (backlog_bench --fill)"});
      }
    }
    record_all(store, std::move(results));
  }
  if (deferred != count) die("deferred " + std::to_string(deferred) + " of " +
                             std::to_string(count));
}

std::uintmax_t database_bytes(const std::filesystem::path& db) {
  std::uintmax_t total = 0;
  for (const char* suffix : {"", "-wal", "-shm"}) {
    std::error_code ec;
    const auto size = std::filesystem::file_size(db.string() + suffix, ec);
    if (!ec) total += size;
  }
  return total;
}

std::unique_ptr<Store> open_store(const std::filesystem::path& db,
                                  stsrelay::core::SystemClock& clock, double* seconds) {
  const auto start = Clock::now();
  auto store = Store::open(db, clock);
  if (seconds != nullptr) *seconds = seconds_since(start);
  if (!store) die("open " + db.string() + ": " + store.error().message);
  return std::move(*store);
}

}  // namespace

int main(int argc, char** argv) {
  std::vector<std::size_t> sizes{0, 10'000, 100'000, 1'000'000};
  std::filesystem::path dir;
  double seconds = 3;
  std::size_t fill = 0;
  std::string fill_domain;
  std::int64_t due_from = 600;
  std::int64_t due_spread = 3600;
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    if (arg == "--fill" && i + 1 < argc) {
      fill = std::stoull(argv[++i]);
      continue;
    }
    if (arg == "--domain" && i + 1 < argc) {
      fill_domain = argv[++i];
      continue;
    }
    if ((arg == "--due-from" || arg == "--due-spread") && i + 1 < argc) {
      (arg == "--due-from" ? due_from : due_spread) = std::stoll(argv[++i]);
      continue;
    }
    if (arg == "--sizes" && i + 1 < argc) {
      sizes.clear();
      std::stringstream list(argv[++i]);
      for (std::string item; std::getline(list, item, ',');) sizes.push_back(std::stoull(item));
    } else if (arg == "--dir" && i + 1 < argc) {
      dir = argv[++i];
    } else if (arg == "--seconds" && i + 1 < argc) {
      seconds = std::atof(argv[++i]);
    } else {
      std::fprintf(stderr,
                   "usage: %s [--sizes N,N,...] [--dir PATH] [--seconds S]\n"
                   "       %s --fill N --dir PATH --domain DOMAIN [--due-from S] [--due-spread S]\n",
                   argv[0], argv[0]);
      return 2;
    }
  }
  if (fill > 0) {
    if (dir.empty() || fill_domain.empty()) die("--fill needs --dir and --domain");
    stsrelay::core::SystemClock clock;
    const auto start = Clock::now();
    auto store = open_store(dir / "queue.db", clock, nullptr);
    fill_backlog(*store, fill, "rcpt@" + fill_domain, due_from, std::max<std::int64_t>(due_spread, 1),
                 content_of(1024));
    store->close();
    std::printf("filled %zu deferred recipients for %s in %.1f s\n", fill, fill_domain.c_str(),
                seconds_since(start));
    return 0;
  }
  const bool own_dir = dir.empty();
  if (own_dir) {
    std::string pattern = (std::filesystem::current_path() / "backlog-bench-XXXXXX").string();
    if (mkdtemp(pattern.data()) == nullptr) return 1;
    dir = pattern;
  }
  const auto db = dir / "queue.db";
  const std::string small = content_of(1024);
  stsrelay::core::SystemClock clock;
  auto store = open_store(db, clock, nullptr);

  std::printf("%10s %9s %10s %10s %10s %10s %9s %9s %9s %9s %9s %8s\n", "backlog", "build s",
              "accept/s", "claim ms", "claim/job", "due/job", "next_due", "open s", "count s",
              "show ms", "list s", "db MiB");
  std::size_t backlog = 0;
  double empty_rate = 0;
  for (std::size_t size : sizes) {
    // Grow the backlog: enqueue, then defer every new recipient for an hour.
    const auto build = Clock::now();
    if (size > backlog) {
      enqueue(*store, size - backlog, 64, "rcpt@dead.example", small);
      claim_and_record(*store, RecipientState::deferred);
      backlog = size;
    }
    const double build_seconds = seconds_since(build);

    // New mail beside the backlog: accepted, then claimed and delivered.
    const double rate = enqueue_rate(*store, 10, seconds, small);
    if (empty_rate == 0) empty_rate = rate;
    const ClaimFigures claimed = claim_and_record(*store, RecipientState::delivered);
    const ClaimFigures beside_due = claim_beside_a_due_backlog(*store, 200, small);
    const auto due_start = Clock::now();
    if (!store->next_due()) die("next_due failed");
    const double next_due_ms = seconds_since(due_start) * 1000;

    // A restart: close and open again.
    store->close();
    store.reset();
    double open_seconds = 0;
    store = open_store(db, clock, &open_seconds);

    auto reader = stsrelay::queue::Reader::open(db);
    if (!reader) die("reader: " + reader.error().message);
    auto start = Clock::now();
    if (!(*reader)->count_by_state()) die("count_by_state failed");
    const double count_seconds = seconds_since(start);
    start = Clock::now();
    auto list = (*reader)->list();
    const double list_seconds = seconds_since(start);
    if (!list) die("list: " + list.error().message);
    double show_ms = 0;
    if (!list->empty()) {
      start = Clock::now();
      if (!(*reader)->show(list->back().id)) die("show failed");
      show_ms = seconds_since(start) * 1000;
    }
    const auto per_job = [](const ClaimFigures& f) {
      return f.jobs ? f.seconds * 1000 / static_cast<double>(f.jobs) : 0.0;
    };
    std::printf("%10zu %9.1f %10.0f %10.3f %10.4f %10.4f %8.2fms %9.2f %9.3f %9.2f %9.2f %8.1f\n",
                backlog, build_seconds, rate, claimed.seconds * 1000, per_job(claimed),
                per_job(beside_due),
                next_due_ms, open_seconds, count_seconds, show_ms, list_seconds,
                static_cast<double>(database_bytes(db)) / 1048576.0);
    std::fflush(stdout);
  }
  std::printf("accept/s: 1 KiB messages, 10 producers, %.0f s (empty queue: %.0f/s); claim ms: "
              "all claim_due() calls that took that new mail, claim/job: per job (ms), the "
              "backlog not due; due/job: per job (ms) for 200 new messages while the whole "
              "backlog is due and its domain has no room\n",
              seconds, empty_rate);
  store->close();
  if (own_dir) std::filesystem::remove_all(dir);
  return 0;
}
