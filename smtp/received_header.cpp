#include "smtp/received_header.hpp"

#include <cstdio>
#include <ctime>
#include <vector>

#include "src/core/ascii.hpp"
#include "src/core/mail_date.hpp"

namespace stsrelay::smtp {
namespace {

// The client's HELO goes into a header field: keep printable ASCII that cannot end the
// From-domain clause or a comment; everything else becomes "?" (UTF-8 included: the header
// must stay valid for a non-SMTPUTF8 next hop).
std::string sanitise_helo(std::string_view helo) {
  std::string out;
  for (char c : helo.substr(0, 255)) {
    bool ok = core::is_vchar(c) && c != '(' && c != ')' && c != ';' && c != '\\' && c != '"';
    out += ok ? c : '?';
  }
  return out.empty() ? "?" : out;
}

}  // namespace

std::string address_literal(std::string_view ip) {
  if (ip.find(':') != std::string_view::npos) return "[IPv6:" + std::string(ip) + "]";
  return "[" + std::string(ip) + "]";
}

std::string format_received(const ReceivedInfo& info, core::SysTime now) {
  // Stamp = From-domain By-domain Opt-info [CFWS] ";" FWS date-time (RFC 5321 §4.4).
  std::vector<std::string> items;
  items.push_back("from " + sanitise_helo(info.helo) + " (" + address_literal(info.client_ip) + ")");
  items.push_back("by " + info.hostname + " (stsrelay)");
  std::string with = "with " + info.protocol;
  if (!info.tls.empty()) with += " (" + info.tls + ")";
  items.push_back(with);
  if (!info.id.empty()) items.push_back("id " + info.id);
  if (!info.recipient.empty()) items.push_back("for <" + info.recipient + ">");
  items.back() += ";";
  items.push_back(core::format_rfc5322_date(now));

  std::string out = "Received:";
  std::size_t line_len = out.size();
  for (const std::string& item : items) {
    if (line_len + 1 + item.size() > 78 && line_len > 9) {
      out += "\r\n\t";
      line_len = 1;
    } else {
      out += ' ';
      ++line_len;
    }
    out += item;
    line_len += item.size();
  }
  out += "\r\n";
  return out;
}

}  // namespace stsrelay::smtp
