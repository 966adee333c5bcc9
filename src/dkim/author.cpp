#include "src/dkim/author.hpp"

#include <vector>

#include "src/core/ascii.hpp"
#include "src/core/domain_name.hpp"

namespace stsrelay::dkim {
namespace {

// One element of an address list as the scan sees it: the text outside comments, and the
// addr-spec inside angle brackets when there were any.
struct Element {
  std::string text;
  std::string angle;
  bool has_angle = false;
};

struct Scan {
  std::vector<Element> mailboxes;
  std::string error;
};

// Appends the quoted string that starts at `i` (a '"') to `out`, quotes included; returns the
// index after it, or npos when it never ends.
std::size_t take_quoted(std::string_view s, std::size_t i, std::string& out) {
  out += s[i++];
  while (i < s.size()) {
    const char c = s[i++];
    out += c;
    if (c == '\\' && i < s.size()) {
      out += s[i++];
    } else if (c == '"') {
      return i;
    }
  }
  return std::string_view::npos;
}

// Skips the comment that starts at `i` (a '('), nested comments included (RFC 5322 §3.2.2).
std::size_t skip_comment(std::string_view s, std::size_t i) {
  int depth = 0;
  while (i < s.size()) {
    const char c = s[i++];
    if (c == '\\') {
      ++i;
    } else if (c == '(') {
      ++depth;
    } else if (c == ')' && --depth == 0) {
      return i;
    }
  }
  return std::string_view::npos;
}

void finish(Element& e, std::vector<Element>& out) {
  if (!e.has_angle && core::trim_wsp(e.text).empty()) {
    e = {};
    return;  // RFC 5322 §4.4 obs-mbox-list: empty list elements are allowed and ignored
  }
  out.push_back(std::move(e));
  e = {};
}

Scan scan_address_list(std::string_view s) {
  Scan scan;
  Element current;
  bool in_angle = false;
  bool in_group = false;
  std::size_t i = 0;
  while (i < s.size()) {
    const char c = s[i];
    std::string& sink = in_angle ? current.angle : current.text;
    if (c == '"') {
      i = take_quoted(s, i, sink);
      if (i == std::string_view::npos) return {{}, "a quoted string is not closed"};
    } else if (c == '(') {
      i = skip_comment(s, i);
      if (i == std::string_view::npos) return {{}, "a comment is not closed"};
      sink += ' ';
    } else if (in_angle) {
      if (c == '>') {
        in_angle = false;
      } else {
        current.angle += c;
      }
      ++i;
    } else if (c == '<') {
      if (current.has_angle) return {{}, "a mailbox has two angle addresses"};
      current.has_angle = true;
      in_angle = true;
      ++i;
    } else if (c == ',') {
      finish(current, scan.mailboxes);
      ++i;
    } else if (c == ':' && !in_group && !current.has_angle) {
      in_group = true;  // "display-name:" starts a group (§3.4); the name is no address
      current = {};
      ++i;
    } else if (c == ';' && in_group) {
      finish(current, scan.mailboxes);
      in_group = false;
      ++i;
    } else {
      if (c != '\r' && c != '\n') current.text += c;
      ++i;
    }
  }
  if (in_angle) return {{}, "an angle address is not closed"};
  finish(current, scan.mailboxes);
  return scan;
}

// The domain of an addr-spec: after its last '@' outside quoted strings.
core::Result<std::string> domain_of(std::string_view addr_spec) {
  std::size_t at = std::string_view::npos;
  bool quoted = false;
  for (std::size_t i = 0; i < addr_spec.size(); ++i) {
    const char c = addr_spec[i];
    if (c == '\\' && quoted) {
      ++i;
    } else if (c == '"') {
      quoted = !quoted;
    } else if (c == '@' && !quoted) {
      at = i;
    }
  }
  if (at == std::string_view::npos) return core::Error::invalid("the From: address has no domain");
  std::string domain;
  for (char c : addr_spec.substr(at + 1)) {
    if (!core::is_wsp(c)) domain += c;
  }
  if (!domain.empty() && domain.front() == '[') {
    return core::Error::invalid("the From: address has a domain literal");
  }
  auto normal = core::normalize_domain(domain);
  if (!normal) return core::Error::invalid("the From: domain: " + normal.error().message);
  return normal;
}

}  // namespace

core::Result<std::string> author_domain(std::string_view from_value) {
  Scan scan = scan_address_list(from_value);
  if (!scan.error.empty()) return core::Error::invalid("the From: field: " + scan.error);
  if (scan.mailboxes.empty()) return core::Error::invalid("the From: field has no address");
  if (scan.mailboxes.size() > 1) {
    return core::Error::invalid("the From: field has " + std::to_string(scan.mailboxes.size()) +
                                " addresses");
  }
  const Element& mailbox = scan.mailboxes.front();
  std::string_view addr_spec = mailbox.has_angle ? mailbox.angle : mailbox.text;
  // RFC 5322 §4.4 obs-route ("<@relay1,@relay2:user@example.com>"): the route is dropped.
  if (mailbox.has_angle) {
    const std::size_t colon = addr_spec.rfind(':');
    if (colon != std::string_view::npos && addr_spec.find('"') == std::string_view::npos) {
      addr_spec.remove_prefix(colon + 1);
    }
  }
  return domain_of(core::trim_wsp(addr_spec));
}

}  // namespace stsrelay::dkim
