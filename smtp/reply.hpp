// SMTP replies of the server: a code, an optional enhanced status code and one or more text
// lines, formatted as RFC 5321 §4.2 says (multi-line replies use "250-" on every line but the
// last). Enhanced status codes (RFC 2034, RFC 3463) appear on every line of every reply that
// allows one; the greeting, the EHLO/HELO reply and the 3xx intermediate replies (354, 334)
// carry none, because RFC 3463 defines classes 2, 4 and 5 only and RFC 2034 §3 exempts the
// greeting and the EHLO response.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace stsrelay::smtp {

struct Reply {
  int code = 0;
  std::string enhanced;            // "2.0.0"; empty when the reply carries none
  std::vector<std::string> lines;  // at least one (may be the empty string)

  bool operator==(const Reply&) const = default;
};

// A one-line reply.
Reply make_reply(int code, std::string_view enhanced, std::string_view text);

// "250-first\r\n250 last\r\n". CR and LF inside a line are replaced by spaces so that no text,
// wherever it came from, can end a reply early.
std::string format_reply(const Reply& reply);

// The "<code> <enhanced> <first line>" summary used in logs and test messages.
std::string summary(const Reply& reply);

}  // namespace stsrelay::smtp
