// Fuzz target: the SMTP client's reply parser (RFC 5321 §4.2, RFC 2034) and the EHLO
// capability parser, on whatever a hostile server may send. Small limits so that the caps are
// reached often. Invariants: no crash; every reply has a code 200-559, at least one line and at
// most `max_lines`, no line longer than `max_line`, an enhanced code whose class is the code's
// first digit; the replies and the first error are the same whether the bytes arrive all at once
// or one by one (the session reads in arbitrary pieces).
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "smtp/client_capabilities.hpp"
#include "smtp/reply_parser.hpp"

using stsrelay::smtp::NeedMore;
using stsrelay::smtp::Reply;
using stsrelay::smtp::ReplyError;
using stsrelay::smtp::ReplyLimits;
using stsrelay::smtp::ReplyParser;
using stsrelay::smtp::ReplyStep;

namespace {

constexpr ReplyLimits kLimits{128, 8};

struct Trace {
  std::vector<Reply> replies;
  bool failed = false;
  std::string error;
};

void check(const Reply& r) {
  if (r.code < 200 || r.code > 559 || r.lines.empty() || r.lines.size() > kLimits.max_lines) {
    std::abort();
  }
  for (const std::string& line : r.lines) {
    if (line.size() > kLimits.max_line) std::abort();
  }
  if (!r.enhanced.empty() && r.enhanced[0] != static_cast<char>('0' + r.code / 100)) std::abort();
  if (r.code == 250) (void)stsrelay::smtp::parse_ehlo(r);
}

// Feeds `in` in pieces of `piece` octets (0: all at once).
Trace run(std::string_view in, std::size_t piece) {
  Trace t;
  ReplyParser parser(kLimits);
  while (!in.empty() && !t.failed) {
    const std::size_t n = piece == 0 ? in.size() : std::min(piece, in.size());
    std::string_view chunk = in.substr(0, n);
    in.remove_prefix(n);
    while (!t.failed) {
      ReplyStep step = parser.feed(chunk);
      if (auto* r = std::get_if<Reply>(&step)) {
        check(*r);
        t.replies.push_back(*r);
      } else if (auto* e = std::get_if<ReplyError>(&step)) {
        t.failed = true;
        t.error = e->reason;
      } else {
        if (!chunk.empty()) std::abort();  // need_more means everything was consumed
        break;
      }
    }
  }
  return t;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view in(reinterpret_cast<const char*>(data), size);
  const Trace whole = run(in, 0);
  const Trace bytes = run(in, 1);
  if (whole.failed != bytes.failed || whole.error != bytes.error ||
      whole.replies != bytes.replies) {
    std::abort();
  }
  return 0;
}
