// Queue ids: 16 characters of Crockford base32 (0-9, A-Z without I, L, O, U), safe in log lines,
// file names and shell arguments, and sorting roughly by arrival:
//   9 characters  milliseconds since the Unix epoch (45 bits, good until the year 3084)
//   2 characters  a per-process counter (10 bits), so ids of one millisecond differ and keep order
//   5 characters  random bits (25 bits), so two processes in the same millisecond differ
// The database's UNIQUE constraint is the final guard; an id is never reused.
#pragma once

#include <cstdint>
#include <mutex>
#include <random>
#include <string>
#include <string_view>

#include "src/core/clock.hpp"

namespace stsrelay::queue {

inline constexpr std::size_t kQueueIdLength = 16;

// Pure: the id for these three parts (each truncated to its width).
std::string format_queue_id(std::uint64_t unix_millis, std::uint32_t counter,
                            std::uint32_t random_bits);

// True for a string that format_queue_id could have produced (upper case, as stored).
bool is_queue_id(std::string_view text);

// Makes ids for one process. Thread-safe: the Store's writer thread takes ids for the notices it
// writes, and the SMTP sessions take the id of a message before they queue it (its Received:
// and Message-ID: headers carry it).
class QueueIdGenerator {
 public:
  explicit QueueIdGenerator(std::uint64_t seed) : random_(seed) {}
  std::string next(core::SysTime now);

 private:
  std::mutex mutex_;
  std::mt19937_64 random_;
  std::uint32_t counter_ = 0;
};

}  // namespace stsrelay::queue
