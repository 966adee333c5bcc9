// Address syntax of RFC 5321 §4.1.2 (Path, Mailbox, Local-part, Domain, address literals) with
// the SMTPUTF8 extensions of RFC 6531 §3.3, and the size limits of §4.5.3.1.
//
// What it accepts:
//  - dot-string and quoted-string local parts (quotes kept as sent: the relay passes the
//    address on verbatim), at most 64 octets (§4.5.3.1.1);
//  - domains of LDH labels (no trailing dot), at most 255 octets (§4.5.3.1.2), lowercased;
//    U-labels only with SMTPUTF8, converted to A-labels (libidn2, UTS #46 non-transitional)
//    so that later comparisons are plain equality;
//  - address literals [1.2.3.4] and [IPv6:...] (§4.1.3); general literals with other tags are
//    refused because IANA registered none;
//  - source routes "<@a,@b:user@d>": accepted and the route dropped (§4.1.1.3, Appendix C);
//  - "<>" only as a reverse-path; "<Postmaster>" (any case, no domain) only as a forward-path
//    (§4.5.1), flagged so that the session can answer it;
//  - whole path at most 256 octets including the angle brackets (§4.5.3.1.3).
// What it does not do: no lenient forms without angle brackets, no comments, no trailing dot.
#pragma once

#include <string>
#include <string_view>

namespace stsrelay::smtp {

enum class PathKind { reverse, forward };  // MAIL FROM / RCPT TO

enum class PathStatus {
  ok,
  syntax,            // 501 5.1.7 (sender) / 501 5.1.3 (recipient)
  too_long,          // 501 with the same codes; the text says which limit
  utf8_not_allowed,  // RFC 6531 §3.5: 553 5.6.7
};

struct Path {
  bool null = false;        // "<>"
  bool postmaster = false;  // "<Postmaster>"
  bool non_ascii = false;   // the mailbox as written held UTF-8
  std::string local_part;   // as sent (quoted form kept)
  std::string domain;       // lowercased, A-labels; or the address literal "[...]" as sent
  std::string mailbox;      // local_part "@" domain; "" for <>, "Postmaster" for <Postmaster>
};

struct PathResult {
  PathStatus status = PathStatus::syntax;
  Path path;
  std::string reason;  // for the reply text and logs when status != ok
};

// `text` is the whole path including the angle brackets.
PathResult parse_path(std::string_view text, PathKind kind, bool smtputf8);

// RFC 5321 §4.1.2 Domain (or, with `smtputf8`, RFC 6531 U-labels), without address literals.
// On success `out` is the normalised form (lowercase, A-labels).
bool parse_domain(std::string_view text, bool smtputf8, std::string& out);

// RFC 5321 §4.1.3 address literal including the brackets: "[192.0.2.1]", "[IPv6:2001:db8::1]".
bool is_address_literal(std::string_view text);

constexpr std::size_t kMaxLocalPart = 64;
constexpr std::size_t kMaxDomain = 255;
constexpr std::size_t kMaxPath = 256;

}  // namespace stsrelay::smtp
