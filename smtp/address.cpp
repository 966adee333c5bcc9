#include "smtp/address.hpp"

#include <arpa/inet.h>

#include "src/core/ascii.hpp"
#include "src/core/domain_name.hpp"
#include "src/core/utf8.hpp"

namespace stsrelay::smtp {
namespace {

// RFC 5322 §3.2.3 atext, as RFC 5321 §4.1.2 uses it; RFC 6531 §3.3 adds UTF8-non-ascii
// (the caller has already checked that non-ASCII octets form valid UTF-8 and are allowed).
bool is_atext(char c) {
  if (core::is_alnum(c) || core::is_non_ascii(c)) return true;
  switch (c) {
    case '!': case '#': case '$': case '%': case '&': case '\'': case '*': case '+': case '-':
    case '/': case '=': case '?': case '^': case '_': case '`': case '{': case '|': case '}':
    case '~':
      return true;
    default:
      return false;
  }
}

// RFC 5321 §4.1.2 qtextSMTP = %d32-33 / %d35-91 / %d93-126 (plus UTF8-non-ascii, RFC 6531).
bool is_qtext(char c) {
  return (core::is_printable(c) && c != '"' && c != '\\') || core::is_non_ascii(c);
}

// Length of the local part at the start of `s` (up to, not including, the "@"), 0 on error.
std::size_t scan_local_part(std::string_view s) {
  std::size_t i = 0;
  if (!s.empty() && s[0] == '"') {
    // Quoted-string = DQUOTE *QcontentSMTP DQUOTE
    i = 1;
    while (i < s.size() && s[i] != '"') {
      if (s[i] == '\\') {
        // quoted-pairSMTP = %d92 %d32-126
        if (i + 1 >= s.size()) return 0;
        auto q = static_cast<unsigned char>(s[i + 1]);
        if (q < 32 || q > 126) return 0;
        i += 2;
      } else if (is_qtext(s[i])) {
        ++i;
      } else {
        return 0;
      }
    }
    if (i >= s.size()) return 0;
    ++i;  // closing quote
  } else {
    // Dot-string = Atom *("." Atom)
    bool need_atext = true;
    while (i < s.size() && s[i] != '@') {
      if (s[i] == '.') {
        if (need_atext) return 0;
        need_atext = true;
      } else if (is_atext(s[i])) {
        need_atext = false;
      } else {
        return 0;
      }
      ++i;
    }
    if (need_atext) return 0;
  }
  return (i < s.size() && s[i] == '@') ? i : 0;
}

bool is_ipv4_literal_body(std::string_view s) {
  // IPv4-address-literal = Snum 3("." Snum), Snum = 1*3DIGIT representing 0-255
  int parts = 0;
  std::size_t i = 0;
  while (true) {
    std::size_t start = i;
    int value = 0;
    while (i < s.size() && core::is_digit(s[i]) && i - start < 3) {
      value = value * 10 + (s[i++] - '0');
    }
    if (i == start || value > 255) return false;
    ++parts;
    if (i == s.size()) break;
    if (s[i] != '.' || parts == 4) return false;
    ++i;
  }
  return parts == 4;
}

}  // namespace

bool is_address_literal(std::string_view text) {
  if (text.size() < 3 || text.front() != '[' || text.back() != ']') return false;
  std::string_view body = text.substr(1, text.size() - 2);
  if (core::istarts_with(body, "IPv6:")) {
    // IPv6-address-literal = "IPv6:" IPv6-addr; inet_pton accepts exactly the full,
    // compressed and IPv4-embedded forms of RFC 5321 §4.1.3.
    std::string addr(body.substr(5));
    // inet_pton reads a C string: check the characters first so that nothing after a NUL
    // (or anything else) slips through.
    for (char c : addr) {
      if (!core::is_hex(c) && c != ':' && c != '.') return false;
    }
    unsigned char buf[16];
    return addr.size() <= 45 && inet_pton(AF_INET6, addr.c_str(), buf) == 1;
  }
  // General-address-literal needs an IANA-registered Standardized-tag; there is none.
  return is_ipv4_literal_body(body);
}

bool parse_domain(std::string_view text, bool smtputf8, std::string& out) {
  if (text.empty() || text.size() > kMaxDomain) return false;
  bool non_ascii = false;
  std::size_t start = 0;
  while (start <= text.size()) {
    std::size_t dot = text.find('.', start);
    std::string_view label =
        text.substr(start, dot == std::string_view::npos ? std::string_view::npos : dot - start);
    if (core::has_non_ascii(label)) {
      // RFC 6531 §3.3: sub-domain =/ U-label; checked as a whole by libidn2 below
      // (core::idna_to_ascii). Its ASCII octets must still be letters, digits or hyphens (no NUL,
      // no punctuation for UTS #46 mapping to turn into something else).
      if (!smtputf8) return false;
      for (char c : label) {
        if (!core::is_non_ascii(c) && !core::is_alnum(c) && c != '-') return false;
      }
      non_ascii = true;
    } else if (!core::is_ldh_label(label)) {
      return false;
    }
    if (dot == std::string_view::npos) break;
    start = dot + 1;
  }
  if (!non_ascii) {
    out = core::to_lower_ascii(text);
    return true;
  }
  if (!core::is_valid_utf8(text)) return false;
  auto a_labels = core::idna_to_ascii(text);
  if (!a_labels) return false;
  // UTS #46 mapping can change the label structure (U+3002 becomes "."): the result must be a
  // plain LDH domain in its own right.
  std::string again;
  if (core::has_non_ascii(*a_labels) || !parse_domain(*a_labels, false, again)) return false;
  out = std::move(again);
  return true;
}

PathResult parse_path(std::string_view text, PathKind kind, bool smtputf8) {
  PathResult r;
  auto fail = [&r](PathStatus status, std::string reason) {
    r.status = status;
    r.reason = std::move(reason);
    return r;
  };
  if (text.size() > kMaxPath) return fail(PathStatus::too_long, "Path too long");
  if (text.size() < 2 || text.front() != '<' || text.back() != '>') {
    return fail(PathStatus::syntax, "Path must be enclosed in angle brackets");
  }
  std::string_view inner = text.substr(1, text.size() - 2);
  if (core::has_non_ascii(inner)) {
    if (!core::is_valid_utf8(inner)) return fail(PathStatus::syntax, "Invalid UTF-8 in address");
    // RFC 6531 §3.5: a UTF-8 address without the SMTPUTF8 parameter is refused with 553 5.6.7.
    if (!smtputf8) return fail(PathStatus::utf8_not_allowed, "UTF-8 address requires SMTPUTF8");
    r.path.non_ascii = true;
  }
  if (inner.empty()) {
    if (kind == PathKind::forward) return fail(PathStatus::syntax, "Null path not allowed here");
    r.path.null = true;
    r.status = PathStatus::ok;
    return r;
  }
  // RFC 5321 §4.5.1: "Postmaster" without a domain must be accepted as a recipient.
  if (kind == PathKind::forward && core::iequals(inner, "postmaster")) {
    r.path.postmaster = true;
    r.path.local_part = std::string(inner);
    r.path.mailbox = std::string(inner);
    r.status = PathStatus::ok;
    return r;
  }
  if (inner.front() == '@') {
    // RFC 5321 §4.1.1.3 and Appendix C: source routes are accepted and the route ignored.
    std::size_t colon = inner.find(':');
    if (colon == std::string_view::npos) return fail(PathStatus::syntax, "Bad source route");
    std::string_view route = inner.substr(0, colon);
    std::size_t start = 0;
    while (start <= route.size()) {
      std::size_t comma = route.find(',', start);
      std::string_view hop = route.substr(
          start, comma == std::string_view::npos ? std::string_view::npos : comma - start);
      std::string ignored;
      if (hop.size() < 2 || hop[0] != '@' || !parse_domain(hop.substr(1), smtputf8, ignored)) {
        return fail(PathStatus::syntax, "Bad source route");
      }
      if (comma == std::string_view::npos) break;
      start = comma + 1;
    }
    inner = inner.substr(colon + 1);
  }
  std::size_t at = scan_local_part(inner);
  if (at == 0) return fail(PathStatus::syntax, "Bad address syntax");
  std::string_view local = inner.substr(0, at);
  std::string_view domain = inner.substr(at + 1);
  if (local.size() > kMaxLocalPart) return fail(PathStatus::too_long, "Local part too long");
  if (domain.size() > kMaxDomain) return fail(PathStatus::too_long, "Domain too long");
  if (!domain.empty() && domain.front() == '[') {
    if (!is_address_literal(domain)) return fail(PathStatus::syntax, "Bad address literal");
    r.path.domain = std::string(domain);
  } else if (!parse_domain(domain, smtputf8, r.path.domain)) {
    return fail(PathStatus::syntax, "Bad domain syntax");
  }
  r.path.local_part = std::string(local);
  r.path.mailbox = r.path.local_part + "@" + r.path.domain;
  r.status = PathStatus::ok;
  return r;
}

}  // namespace stsrelay::smtp
