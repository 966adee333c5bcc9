// Incremental parser of the replies an SMTP server sends to our client (RFC 5321 §4.2):
//
//   Reply-line = *( Reply-code "-" [ textstring ] CRLF ) Reply-code [ SP textstring ] CRLF
//
// Bytes are fed as they arrive; each call consumes input up to the end of one reply, so the
// replies of a pipelined group (RFC 2920) come out one by one, in order. Memory is bounded: a
// line longer than `max_line` or a reply with more than `max_lines` lines is an error as soon as
// the limit is crossed (a server that sends a 10 MB line costs us `max_line` bytes, no more).
// After an error the parser stays failed: the connection cannot be trusted to resynchronise.
//
// Leniency, deliberately: a line ended by a bare LF is accepted (as most clients do); a code
// alone ("250") is a complete last line. Strict: three digits with the first 2-5 and the second
// 0-5 (§4.2), the same code on every line of a reply (§4.2.1 says a client may rely on that).
// An RFC 2034 enhanced status code is recognised on the first line when its class equals the
// reply's first digit (RFC 3463 §2), and removed from every line that starts with it, so that
// `Reply::lines` holds the text alone, as smtp/reply.hpp defines it.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "smtp/reply.hpp"

namespace stsrelay::smtp {

struct ReplyLimits {
  std::size_t max_line = 4096;  // octets including CRLF; RFC 5321 §4.5.3.1.5 says 512
  std::size_t max_lines = 128;  // an EHLO reply has a dozen
};

struct NeedMore {};
struct ReplyError {
  std::string reason;
};
using ReplyStep = std::variant<NeedMore, Reply, ReplyError>;

class ReplyParser {
 public:
  explicit ReplyParser(ReplyLimits limits = {}) : limits_(limits) {}

  // Consumes bytes from the front of `input` until one reply is complete (returned; what follows
  // stays in `input`), the input runs out (NeedMore; everything was consumed), or an error.
  ReplyStep feed(std::string_view& input);

  bool failed() const { return !error_.empty(); }
  // True while part of a reply has been received but not all of it.
  bool in_reply() const { return !partial_.empty() || !texts_.empty(); }

 private:
  // Takes one complete line (without its line ending); returns false on error.
  bool take_line(std::string_view line, bool& last);
  Reply finish();
  ReplyStep fail(std::string reason);

  ReplyLimits limits_;
  std::string partial_;             // the current line so far (bounded by max_line)
  int code_ = 0;                    // code of the reply being parsed, 0 before its first line
  std::vector<std::string> texts_;  // the text of each line so far
  std::string error_;
};

// Parses a complete reply text (tests, fuzzing): the reply, or the error; trailing bytes after
// the first reply are an error.
ReplyStep parse_reply(std::string_view text, ReplyLimits limits = {});

}  // namespace stsrelay::smtp
