#include "queue/queue_id.hpp"

#include <algorithm>
#include <chrono>

namespace stsrelay::queue {
namespace {

constexpr std::string_view kAlphabet = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";

// Writes `width` base32 digits of `value`, most significant first.
void append_base32(std::string& out, std::uint64_t value, int width) {
  for (int shift = (width - 1) * 5; shift >= 0; shift -= 5) {
    out.push_back(kAlphabet[(value >> shift) & 31]);
  }
}

}  // namespace

std::string format_queue_id(std::uint64_t unix_millis, std::uint32_t counter,
                            std::uint32_t random_bits) {
  std::string id;
  id.reserve(kQueueIdLength);
  append_base32(id, unix_millis, 9);
  append_base32(id, counter, 2);
  append_base32(id, random_bits, 5);
  return id;
}

bool is_queue_id(std::string_view text) {
  return text.size() == kQueueIdLength && std::all_of(text.begin(), text.end(), [](char c) {
           return kAlphabet.find(c) != std::string_view::npos;
         });
}

std::string QueueIdGenerator::next(core::SysTime now) {
  const auto millis =
      std::chrono::duration_cast<std::chrono::milliseconds>(now.time_since_epoch()).count();
  std::lock_guard lock(mutex_);
  const auto random_bits = static_cast<std::uint32_t>(random_());
  return format_queue_id(static_cast<std::uint64_t>(std::max<std::int64_t>(millis, 0)), counter_++,
                         random_bits);
}

}  // namespace stsrelay::queue
