#include "smtp/received_header.hpp"

#include <cstdio>
#include <ctime>
#include <vector>

#include "src/core/ascii.hpp"

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

std::string format_rfc5322_date(core::SysTime now) {
  static constexpr const char* kDays[] = {"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"};
  static constexpr const char* kMonths[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                            "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
  std::time_t t = static_cast<std::time_t>(core::to_unix(now));
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[64];
  std::snprintf(buf, sizeof buf, "%s, %d %s %04d %02d:%02d:%02d +0000", kDays[tm.tm_wday],
                tm.tm_mday, kMonths[tm.tm_mon], tm.tm_year + 1900, tm.tm_hour, tm.tm_min,
                tm.tm_sec);
  return buf;
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
  items.push_back(format_rfc5322_date(now));

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
