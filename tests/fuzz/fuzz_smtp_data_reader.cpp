// Fuzz target: the DATA reader (smtp/data_reader.hpp). Input: one byte choosing a split
// point, then the bytes a client sends after "354". Invariants: no crash; feeding in two
// chunks or octet by octet gives the same outcome as feeding at once; the data ends only right
// after CRLF "." CRLF (or ".\r\n" at the very start); an accepted message ends with CRLF, holds
// no bare CR or LF and stays within the size limit; a refused one holds nothing.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "smtp/data_reader.hpp"

using namespace stsrelay::smtp;

namespace {

constexpr std::uint64_t kMaxSize = 4096;

struct Outcome {
  DataStatus status;
  std::size_t consumed;
  DataError error;
  std::string message;
  bool operator==(const Outcome&) const = default;
};

Outcome whole(std::string_view in) {
  DataReader r(kMaxSize);
  DataFeed f = r.feed(in);
  return {f.status, f.consumed, r.error(), r.take_message()};
}

Outcome in_chunks(std::string_view in, std::size_t chunk) {
  DataReader r(kMaxSize);
  std::size_t pos = 0;
  DataFeed f;
  while (pos < in.size()) {
    std::string_view part = in.substr(pos, chunk);
    f = r.feed(part);
    if (f.status != DataStatus::need_more) {
      f.consumed += pos;
      return {f.status, f.consumed, r.error(), r.take_message()};
    }
    pos += part.size();
  }
  return {DataStatus::need_more, in.size(), r.error(), r.take_message()};
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  const std::size_t chunk = 1 + data[0] % 64;
  std::string_view in(reinterpret_cast<const char*>(data + 1), size - 1);
  Outcome a = whole(in);
  if (!(in_chunks(in, chunk) == a)) std::abort();
  if (!(in_chunks(in, 1) == a)) std::abort();
  if (a.status == DataStatus::need_more) {
    if (a.consumed != in.size()) std::abort();
    return 0;
  }
  std::string_view used = in.substr(0, a.consumed);
  if (used != ".\r\n" && (used.size() < 5 || used.substr(used.size() - 5) != "\r\n.\r\n")) {
    std::abort();
  }
  if (a.status == DataStatus::rejected) {
    if (a.error == DataError::none || !a.message.empty()) std::abort();
    return 0;
  }
  if (a.error != DataError::none || a.message.size() > kMaxSize) std::abort();
  if (!a.message.empty() && a.message.substr(a.message.size() - 2) != "\r\n") std::abort();
  for (std::size_t i = 0; i < a.message.size(); ++i) {
    char c = a.message[i];
    if (c == '\n' && (i == 0 || a.message[i - 1] != '\r')) std::abort();
    if (c == '\r' && (i + 1 >= a.message.size() || a.message[i + 1] != '\n')) std::abort();
  }
  return 0;
}
