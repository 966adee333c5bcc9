// Fuzz target: the DATA reader (smtp/data_reader.hpp). Input: one byte choosing a split
// point, then the bytes a client sends after "354". Invariants: no crash; feeding in two
// chunks or octet by octet gives the same outcome as feeding at once; the data ends only right
// after CRLF "." CRLF (or ".\r\n" at the very start); an accepted message ends with CRLF, holds
// no bare CR or LF and stays within the size limit; a refused one holds nothing. Taking the
// output in pieces while feeding (take_output, as a session spooling a large message does)
// gives the same message joined, and the long-line flag says whether some line of an accepted
// message is over 998 octets, however the input was cut.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>
#include <utility>

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

// Feeds in chunks and takes the output after every feed: the pieces joined, and the flag.
std::pair<std::string, bool> taking_output(std::string_view in, std::size_t chunk) {
  DataReader r(kMaxSize);
  std::string joined;
  for (std::size_t pos = 0; pos < in.size(); pos += chunk) {
    const DataFeed f = r.feed(in.substr(pos, chunk));
    joined += r.take_output();
    if (f.status != DataStatus::need_more) break;
  }
  joined += r.take_message();
  return {joined, r.has_long_line()};
}

bool has_line_over_998(std::string_view message) {
  std::size_t start = 0;
  for (std::size_t eol = message.find("\r\n"); eol != std::string_view::npos;
       eol = message.find("\r\n", start)) {
    if (eol - start > 998) return true;
    start = eol + 2;
  }
  return message.size() - start > 998;
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
  const auto [joined, long_line] = taking_output(in, chunk);
  if (joined != a.message || long_line != has_line_over_998(a.message)) std::abort();
  if (!a.message.empty() && a.message.substr(a.message.size() - 2) != "\r\n") std::abort();
  for (std::size_t i = 0; i < a.message.size(); ++i) {
    char c = a.message[i];
    if (c == '\n' && (i == 0 || a.message[i - 1] != '\r')) std::abort();
    if (c == '\r' && (i + 1 >= a.message.size() || a.message[i + 1] != '\n')) std::abort();
  }
  return 0;
}
