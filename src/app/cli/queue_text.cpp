// Text forms of `stsrelay queue list` and `stsrelay queue show` (see queue_format.hpp).
#include <algorithm>
#include <ctime>
#include <sstream>

#include "src/app/cli/queue_format.hpp"
#include "src/core/mail_date.hpp"

namespace stsrelay::app {
namespace {

constexpr std::size_t kMinIdWidth = 10;

std::string pad_right(std::string_view text, std::size_t width) {
  std::string out(text);
  if (out.size() < width) out.append(width - out.size(), ' ');
  return out;
}

std::string pad_left(std::string_view text, std::size_t width) {
  std::string out;
  if (text.size() < width) out.append(width - text.size(), ' ');
  out += text;
  return out;
}

std::string sender_text(const std::string& sender) {
  return sender.empty() ? "<>" : sender;  // the null reverse-path (RFC 5321 §4.5.5)
}

// Stored header lines end in CRLF; a terminal wants LF.
std::string to_lf(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '\r' && i + 1 < text.size() && text[i + 1] == '\n') continue;
    out += text[i];
  }
  return out;
}

}  // namespace

std::string_view format_ret(core::DsnRet ret) {
  switch (ret) {
    case core::DsnRet::full: return "FULL";
    case core::DsnRet::hdrs: return "HDRS";
    case core::DsnRet::unspecified: break;
  }
  return "";
}

std::string format_notify(std::uint8_t notify) {
  if (notify & core::kNotifyNever) return "NEVER";
  std::string out;
  auto add = [&](std::uint8_t bit, std::string_view name) {
    if (!(notify & bit)) return;
    if (!out.empty()) out += ',';
    out += name;
  };
  add(core::kNotifySuccess, "SUCCESS");
  add(core::kNotifyFailure, "FAILURE");
  add(core::kNotifyDelay, "DELAY");
  return out;
}

std::string format_queue_text(const std::vector<queue::MessageRecord>& messages) {
  if (messages.empty()) return "Mail queue is empty\n";
  std::size_t id_width = kMinIdWidth;
  std::size_t state_width = 0;
  for (const auto& m : messages) {
    id_width = std::max(id_width, m.id.size());
    for (const auto& r : m.recipients) {
      state_width = std::max(state_width, queue::to_string(r.state).size());
    }
  }
  // Recipients line up under the sender, as in mailq.
  const std::string indent(id_width + 1 + 8 + 1 + 19 + 2, ' ');
  std::ostringstream out;
  out << pad_right("-Queue ID-", id_width) << ' ' << "--Size--" << ' '
      << "-Arrival Time (UTC)" << "  " << "-Sender/Recipient-------\n";
  std::int64_t total = 0;
  for (const auto& m : messages) {
    total += m.size;
    out << pad_right(m.id, id_width) << ' ' << pad_left(std::to_string(m.size), 8) << ' '
        << core::format_utc(m.received_at) << "  " << sender_text(m.sender) << '\n';
    for (const auto& r : m.recipients) {
      out << indent << pad_right(queue::to_string(r.state), state_width) << "  " << r.address;
      if (r.attempts > 0) out << "  attempts=" << r.attempts;
      if (queue::is_pending(r.state) && r.next_attempt_at != 0) {
        out << "  next=" << core::format_utc(r.next_attempt_at);
      }
      out << '\n';
      if (!r.last_reply.empty()) out << indent << "  (" << r.last_reply << ")\n";
    }
    out << '\n';
  }
  // Postfix rounds each total up to whole kilobytes.
  const std::int64_t kbytes = (total + 1023) / 1024;
  out << "-- " << kbytes << " Kbytes in " << messages.size()
      << (messages.size() == 1 ? " Request.\n" : " Requests.\n");
  return out.str();
}

std::string format_message_text(const queue::MessageDetail& detail,
                                const std::vector<std::string>& routes) {
  const queue::MessageRecord& m = detail.message;
  const core::Envelope& e = detail.envelope;
  std::ostringstream out;
  out << "id: " << m.id << '\n'
      << "received_at: " << core::format_utc(m.received_at) << " UTC\n"
      << "size: " << m.size << '\n'
      << "sender: " << sender_text(m.sender) << '\n'
      << "client: " << (e.client_address.empty() ? "-" : e.client_address);
  if (!e.client_helo.empty()) out << " (helo " << e.client_helo << ")";
  out << '\n';
  if (!e.auth_user.empty()) out << "auth_user: " << e.auth_user << '\n';
  out << "tls: " << (e.tls.empty() ? "none" : e.tls) << '\n';
  // RFC 8689: the REQUIRETLS tag and the "TLS-Required: No" request, only when present.
  if (e.require_tls) out << "requiretls: yes\n";
  if (e.tls_optional) out << "tls-required: no\n";
  out << "body: " << (e.body == core::BodyType::eight_bit_mime ? "8BITMIME" : "7BIT")
      << (e.smtputf8 ? ", SMTPUTF8" : "") << '\n';
  if (e.ret != core::DsnRet::unspecified) out << "dsn_ret: " << format_ret(e.ret) << '\n';
  if (!e.envid.empty()) out << "dsn_envid: " << e.envid << '\n';
  out << "recipients:\n";
  for (std::size_t i = 0; i < m.recipients.size(); ++i) {
    const auto& r = m.recipients[i];
    out << "  " << r.address << "  " << queue::to_string(r.state)
        << "  attempts=" << r.attempts;
    if (queue::is_pending(r.state)) out << "  next=" << core::format_utc(r.next_attempt_at);
    if (r.notify != 0) out << "  notify=" << format_notify(r.notify);
    if (!r.orcpt.empty()) out << "  orcpt=" << r.orcpt;
    out << '\n';
    if (i < routes.size()) out << "    route " << routes[i] << '\n';
    if (!r.last_reply.empty()) out << "    (" << r.last_reply << ")\n";
  }
  out << "headers:\n" << to_lf(detail.headers);
  if (!detail.headers.empty() && detail.headers.back() != '\n') out << '\n';
  return out.str();
}

}  // namespace stsrelay::app
