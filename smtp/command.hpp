// SMTP command lines (RFC 5321 §4.1.1): the verb and its argument, and the split of the MAIL
// and RCPT arguments into path and ESMTP parameters (§4.1.1.2, §4.1.1.3).
//
// Lines arrive here without their CRLF; the 512-octet limit of §4.5.3.1.4 is enforced by the
// session (the AUTH exchange has a larger one, RFC 4954 §4). Leniency is deliberately the
// same as Postfix's: any case for verbs and keywords, optional spaces after "FROM:"/"TO:",
// trailing spaces ignored; nothing else (no paths without angle brackets).
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace stsrelay::smtp {

enum class Verb {
  helo, ehlo, mail, rcpt, data, rset, noop, quit, vrfy, expn, help, starttls, auth, unknown
};

std::string_view to_string(Verb verb);

struct Command {
  Verb verb = Verb::unknown;
  std::string argument;  // after the verb and its separating spaces, trailing spaces removed
};

// 512 octets including CRLF (RFC 5321 §4.5.3.1.4).
constexpr std::size_t kMaxCommandLine = 512;

Command parse_command(std::string_view line);

struct PathArgument {
  std::string path;        // "<...>" including the brackets
  std::string parameters;  // the rest after the separating space(s), may be empty
};

// Splits "FROM:<a@b> SIZE=10" (keyword "FROM:") or "TO:<a@b> NOTIFY=NEVER" (keyword "TO:").
// Returns nothing when the keyword is missing or the path is not a bracketed string.
std::optional<PathArgument> split_path_argument(std::string_view argument,
                                                std::string_view keyword);

}  // namespace stsrelay::smtp
