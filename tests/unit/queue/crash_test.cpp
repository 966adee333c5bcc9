// kill -9 at any moment: a message whose `done` reported success is in queue.db after a restart,
// complete; a message that was not acknowledged may be missing but is never half-stored.
#include <gtest/gtest.h>
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <filesystem>
#include <functional>
#include <future>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "queue/store.hpp"
#include "queue_test_support.hpp"

namespace stsrelay::queue {
namespace {

using testing::sample_envelope;
using testing::TempDir;

// Reads lines from `fd` until EOF, until `enough` lines arrived, or until the bound runs out.
std::vector<std::string> read_lines(int fd, std::size_t enough, std::string& partial) {
  std::vector<std::string> lines;
  const auto deadline = std::chrono::steady_clock::now() + testing::kWaitBound;
  while (lines.size() < enough && std::chrono::steady_clock::now() < deadline) {
    pollfd p{fd, POLLIN, 0};
    if (poll(&p, 1, 100) <= 0) continue;
    char buffer[4096];
    const ssize_t n = read(fd, buffer, sizeof buffer);
    if (n <= 0) break;  // EOF: every writer end is closed (the child died)
    partial.append(buffer, static_cast<std::size_t>(n));
    for (std::size_t eol; (eol = partial.find('\n')) != std::string::npos;) {
      lines.push_back(partial.substr(0, eol));
      partial.erase(0, eol + 1);
    }
  }
  return lines;
}

void write_line(int fd, const std::string& line) {
  const std::string text = line + "\n";
  // One write of a few bytes to a pipe is atomic (PIPE_BUF), so lines never interleave.
  if (write(fd, text.data(), text.size()) != static_cast<ssize_t>(text.size())) _exit(4);
}

// A message that says how long it is and how many recipients it has, so the parent can tell
// a complete message from a half-stored one.
std::pair<core::Envelope, std::string> self_describing_message(int n) {
  core::Envelope envelope = sample_envelope();
  envelope.recipients.resize(1 + n % 3);
  std::string body(static_cast<std::size_t>(1000 + (n * 7919) % 50000), 'x');
  std::string content = "X-Recipients: " + std::to_string(envelope.recipients.size()) +
                        "\r\nX-Body: " + std::to_string(body.size()) + "\r\n\r\n" + body;
  return {std::move(envelope), std::move(content)};
}

// Forks a child that opens the queue at `db` (exit status 2 when it cannot) and runs `child` with
// it; the child writes to pipe_fds[1], the parent reads pipe_fds[0].
pid_t fork_child(int pipe_fds[2], const std::filesystem::path& db,
                 const std::function<void(Store&)>& child) {
  const pid_t pid = fork();
  if (pid == 0) {
    close(pipe_fds[0]);
    core::SystemClock clock;
    auto store = Store::open(db, clock);
    if (!store) _exit(2);
    child(**store);
    _exit(3);  // the child is killed before it gets here
  }
  close(pipe_fds[1]);
  return pid;
}

TEST(Crash, KillRightAfterTheAcknowledgementKeepsTheMessage) {
  TempDir dir;
  const std::string content = testing::sample_content(5000);
  int fds[2];
  ASSERT_EQ(pipe(fds), 0);
  const pid_t pid = fork_child(fds, dir.db(), [&](Store& store) {
    store.enqueue(sample_envelope(), content, [&](core::Result<std::string> r) {
      if (!r) _exit(5);
      write_line(fds[1], *r);
      raise(SIGKILL);  // no close(), no destructor, no checkpoint
    });
    // The writer thread kills the process; this thread waits for that.
    std::promise<void> never;
    never.get_future().wait_for(testing::kWaitBound);
  });
  std::string partial;
  const auto lines = read_lines(fds[0], 1, partial);
  close(fds[0]);
  int status = 0;
  ASSERT_EQ(waitpid(pid, &status, 0), pid);
  ASSERT_TRUE(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL) << "status " << status;
  ASSERT_EQ(lines.size(), 1u);

  stsrelay::core::SystemClock clock;
  auto reader = Reader::open(dir.db(), clock);
  ASSERT_TRUE(reader) << reader.error().message;
  auto detail = (*reader)->show(lines[0]);
  ASSERT_TRUE(detail) << detail.error().message;
  EXPECT_EQ(detail->message.size, static_cast<std::int64_t>(content.size()));
  EXPECT_EQ(detail->message.recipients.size(), 3u);
  EXPECT_EQ(testing::query_int(dir.db(), "SELECT length(content) FROM messages"),
            static_cast<std::int64_t>(content.size()));
}

// Sixteen producers, each waiting for its acknowledgement like an SMTP session waiting to say
// 250, are killed after `acks` acknowledgements; the parent then checks the file.
void kill_while_busy(std::size_t acks) {
  SCOPED_TRACE("killed after " + std::to_string(acks) + " acknowledgements");
  TempDir dir;
  int fds[2];
  ASSERT_EQ(pipe(fds), 0);
  const pid_t pid = fork_child(fds, dir.db(), [&](Store& store) {
    std::atomic<int> counter{0};
    std::vector<std::thread> producers;
    for (int t = 0; t < 16; ++t) {
      producers.emplace_back([&] {
        for (;;) {
          auto [envelope, content] = self_describing_message(counter++);
          std::promise<void> acked;
          store.enqueue(std::move(envelope), std::move(content),
                        [&](core::Result<std::string> r) {
                          if (!r) _exit(5);
                          write_line(fds[1], *r);
                          acked.set_value();
                        });
          acked.get_future().wait();
        }
      });
    }
    for (auto& p : producers) p.join();
  });
  std::string partial;
  auto acked = read_lines(fds[0], acks, partial);
  kill(pid, SIGKILL);
  // Acknowledgements written before the kill are still in the pipe.
  for (auto& line : read_lines(fds[0], SIZE_MAX, partial)) acked.push_back(std::move(line));
  close(fds[0]);
  int status = 0;
  ASSERT_EQ(waitpid(pid, &status, 0), pid);
  ASSERT_TRUE(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL) << "status " << status;
  ASSERT_GE(acked.size(), acks);

  auto db = db::SqliteConnection::open(dir.db(), db::SqliteOptions::existing_file());
  ASSERT_TRUE(db) << db.error().message;
  auto stmt = db::SqliteStatement::prepare(
      *db,
      "SELECT id, size, content, (SELECT count(*) FROM recipients r WHERE r.message_seq = seq) "
      "FROM messages");
  ASSERT_TRUE(stmt);
  std::set<std::string> stored;
  for (;;) {
    auto row = stmt->step();
    ASSERT_TRUE(row) << row.error().message;
    if (!*row) break;
    const std::string id = stmt->column_text(0);
    const std::string content = stmt->column_text(2);
    SCOPED_TRACE(id);
    EXPECT_EQ(stmt->column_int(1), static_cast<std::int64_t>(content.size()));
    const auto recipients = std::stoll(content.substr(content.find(' ') + 1));
    const auto body_size = std::stoll(content.substr(content.find("X-Body: ") + 8));
    EXPECT_EQ(stmt->column_int(3), recipients);
    EXPECT_EQ(content.size() - content.find("\r\n\r\n") - 4, static_cast<std::size_t>(body_size));
    stored.insert(id);
  }
  for (const auto& id : acked) EXPECT_TRUE(stored.contains(id)) << "acknowledged " << id << " lost";
}

TEST(Crash, KillAtAnyMomentLosesNothingAcknowledgedAndHalfStoresNothing) {
  for (std::size_t acks : {1u, 17u, 200u, 900u}) kill_while_busy(acks);
}

}  // namespace
}  // namespace stsrelay::queue
