// How the queue database is opened: limits and timings with production defaults. Every field is
// a real knob of the daemon (quotas, batch bounds), not a test switch.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <optional>

namespace stsrelay::queue {

struct OpenOptions {
  // How long a statement waits for a lock held by another connection (the CLI, a backup)
  // before failing with ErrorKind::temporary.
  std::chrono::milliseconds busy_timeout{5000};

  // A size quota for queue.db in pages (PRAGMA max_page_count; a new file has 16 KiB pages).
  // Past it, writes fail as if the disk were full (ErrorKind::no_space, SMTP 452 4.3.1).
  // Empty: only the file system limits the size.
  std::optional<std::int64_t> max_page_count;

  // Group commit bounds: one transaction holds at most this many operations (enqueues and
  // result batches) and this many bytes of message content; what is left waits for the next.
  std::size_t max_batch_operations = 512;
  std::size_t max_batch_bytes = 64 * 1024 * 1024;

  // While idle, the writer thread looks this often at PRAGMA data_version to notice changes that
  // another connection (the CLI's retry, flush, delete) committed, and then wakes the delivery
  // scheduler. One cheap pragma on an open connection; new mail committed by this Store wakes
  // the scheduler at once and does not wait for it.
  std::chrono::milliseconds external_change_check{200};

  // How long a message whose recipients all ended in `dry-run` stays listable after its last
  // change before it is purged (delivered and bounced messages leave the queue at once).
  std::chrono::seconds dry_run_retention{std::chrono::hours{24 * 7}};
};

}  // namespace stsrelay::queue
