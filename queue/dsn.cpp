#include "queue/dsn.hpp"

#include <algorithm>

#include "queue/dsn_fields.hpp"
#include "queue/message_text.hpp"
#include "queue/xtext.hpp"
#include "src/core/ascii.hpp"
#include "src/core/mail_date.hpp"
#include "src/core/enum_names.hpp"

namespace stsrelay::queue {
namespace {

constexpr std::string_view kCrlf = "\r\n";

// RFC 3464 §2.3.3, the action-field values.
constexpr core::EnumNameList<DsnAction::expanded> kActionNames{
    {"failed", "delayed", "delivered", "relayed", "expanded"}, "failed"};

// RFC 3464 §2.3.4: the status is required; without a usable one, the class default.
std::string status_for(const DsnRecipient& r) {
  if (is_status_code(r.status)) return r.status;
  switch (r.action) {
    case DsnAction::failed:
      return "5.0.0";
    case DsnAction::delayed:
      return "4.0.0";
    default:
      return "2.0.0";
  }
}

bool any(const std::vector<const DsnRecipient*>& rs, DsnAction action) {
  return std::any_of(rs.begin(), rs.end(), [&](const auto* r) { return r->action == action; });
}

// The kind of report: the gravest action reported.
DsnAction report_kind(const std::vector<const DsnRecipient*>& rs) {
  if (any(rs, DsnAction::failed)) return DsnAction::failed;
  if (any(rs, DsnAction::delayed)) return DsnAction::delayed;
  return DsnAction::delivered;
}

std::string subject_for(DsnAction kind) {
  switch (kind) {
    case DsnAction::failed:
      return "Undelivered Mail Returned to Sender";
    case DsnAction::delayed:
      return "Delayed Mail (still being retried)";
    default:
      return "Successful Mail Delivery Report";
  }
}

std::string human_part(const DsnInput& in, const std::vector<const DsnRecipient*>& rs,
                       bool global) {
  std::string t =
      "This is the mail system at host " + one_line(in.reporting_mta, false) + ".\r\n\r\n";
  if (any(rs, DsnAction::failed)) {
    t += "Your message could not be delivered to one or more recipients, and the relay has\r\n"
         "given up. The reason for each is below; the delivery report and the returned\r\n"
         "message (or its headers) are attached.\r\n\r\n";
  }
  if (in.envelope.require_tls) {
    t += "Your message was sent with REQUIRETLS, so neither it nor its headers are returned\r\n"
         "here: this report may travel without that protection (RFC 8689 section 5).\r\n\r\n";
  }
  if (any(rs, DsnAction::delayed)) {
    t += "Your message has not yet been delivered to one or more recipients. The relay keeps\r\n"
         "trying; you do not need to send it again.\r\n\r\n";
  }
  if (any(rs, DsnAction::delivered) || any(rs, DsnAction::relayed) ||
      any(rs, DsnAction::expanded)) {
    t += "Your message was delivered to the recipients below that asked for a report.\r\n\r\n";
  }
  for (const auto* r : rs) {
    std::string line =
        "<" + one_line(r->address, global) + ">: " + std::string(to_string(r->action));
    if (r->action == DsnAction::delayed && r->will_retry_until) {
      line += " (retrying until " + core::format_rfc5322_date(*r->will_retry_until) + ")";
    }
    if (!r->remote_mta.empty()) line += ", host " + one_line(r->remote_mta, false) + " said";
    if (!r->diagnostic.empty()) line += ": " + one_line(r->diagnostic, global);
    t += cap_line(std::move(line)) + "\r\n";
  }
  return t;
}

std::string status_part(const DsnInput& in, const std::vector<const DsnRecipient*>& rs,
                        bool global) {
  // RFC 3464 §2.2: per-message fields, then one block per recipient, blocks separated by an
  // empty line.
  std::string s = "Reporting-MTA: dns; " + one_line(in.reporting_mta, false) + "\r\n";
  s += "X-Stsrelay-Queue-ID: " + one_line(in.queue_id, false) + "\r\n";
  if (!in.envelope.envid.empty()) {
    const auto envid = decode_xtext(in.envelope.envid);
    const bool usable = envid && is_ascii(*envid);
    s += "Original-Envelope-Id: " + one_line(usable ? *envid : in.envelope.envid, false) + "\r\n";
  }
  s += "Arrival-Date: " + core::format_rfc5322_date(in.arrival) + "\r\n";
  for (const auto* r : rs) {
    s += "\r\n";
    if (!r->orcpt.empty()) {
      s += "Original-Recipient: " + original_recipient(r->orcpt, global) + "\r\n";
    }
    s += "Final-Recipient: " + address_field(r->address, global) + "\r\n";
    s += "Action: " + std::string(to_string(r->action)) + "\r\n";
    s += "Status: " + status_for(*r) + "\r\n";
    if (!r->remote_mta.empty()) s += "Remote-MTA: dns; " + one_line(r->remote_mta, false) + "\r\n";
    if (!r->diagnostic.empty()) {
      s += "Diagnostic-Code: " + diagnostic_field(r->diagnostic, global) + "\r\n";
    }
    if (r->last_attempt) s += "Last-Attempt-Date: " + core::format_rfc5322_date(*r->last_attempt) + "\r\n";
    if (r->action == DsnAction::delayed && r->will_retry_until) {
      s += "Will-Retry-Until: " + core::format_rfc5322_date(*r->will_retry_until) + "\r\n";
    }
  }
  return s;
}

std::string with_crlf_end(std::string_view text) {
  std::string out(text);
  if (!out.empty() && !out.ends_with("\n")) out += kCrlf;
  return out;
}

// RFC 2046 §5.1.1: the boundary (at most 70 characters) must not occur in any of the parts.
// Derived from the queue id and time so that the output is reproducible; lengthened until no
// part contains it.
std::string pick_boundary(const DsnInput& in, const std::vector<std::string_view>& parts) {
  std::string id = one_line(in.queue_id, false);
  id.erase(std::remove_if(id.begin(), id.end(),
                          [](char c) {
                            return !core::is_alnum(c);
                          }),
           id.end());
  id.resize(std::min<std::size_t>(id.size(), 24));
  std::string boundary = "=_" + id + "." + std::to_string(core::to_unix(in.now));
  for (int n = 0;; ++n) {
    const bool clash = std::any_of(parts.begin(), parts.end(), [&](std::string_view part) {
      return part.find("--" + boundary) != std::string_view::npos;
    });
    if (!clash) return boundary;
    boundary += "=" + std::to_string(n);
  }
}

}  // namespace

std::string_view to_string(DsnAction action) { return kActionNames.name(action); }

bool wants_notice(std::uint8_t notify, DsnAction action) {
  if ((notify & core::kNotifyNever) != 0) return false;
  switch (action) {
    case DsnAction::failed:
      return notify == 0 || (notify & core::kNotifyFailure) != 0;
    case DsnAction::delayed:
      return (notify & core::kNotifyDelay) != 0;
    default:
      return (notify & core::kNotifySuccess) != 0;
  }
}

std::optional<NewMessage> build_dsn(const DsnInput& in) {
  // RFC 5321 §4.5.5 / RFC 3461 §6.2: nothing goes back to the null reverse-path.
  if (in.envelope.sender.empty()) return std::nullopt;
  std::vector<const DsnRecipient*> rs;
  for (const auto& r : in.recipients) {
    if (wants_notice(r.notify, r.action)) rs.push_back(&r);
  }
  if (rs.empty()) return std::nullopt;

  bool global = in.envelope.smtputf8;
  for (const auto* r : rs) global = global || !is_ascii(r->address);

  const std::string human = human_part(in, rs, global);
  const std::string status = status_part(in, rs, global);
  // RFC 3461 §4.3: RET=FULL asks for the content in failure reports only.
  const bool full = in.envelope.ret == core::DsnRet::full && any(rs, DsnAction::failed) &&
                    (in.content_size != 0 ? in.content_size : in.content.size()) <=
                        in.max_returned_size;
  // RFC 8689 §5: a report on a REQUIRETLS message either travels with REQUIRETLS itself or is
  // redacted. Redacted (no content, no header section) and sent as usual, because a report
  // that needs REQUIRETLS is lost whenever the sender's own domain cannot be authenticated
  // (no MTA-STS policy there, or no REQUIRETLS at its MX), and a lost bounce is worse for the
  // sender than one without the message attached.
  const bool redacted = in.envelope.require_tls;
  const std::string returned =
      redacted ? std::string()
               : with_crlf_end(full ? in.content : header_section(in.content));
  const std::string boundary = pick_boundary(in, {human, status, returned});

  const auto eight_bit = [](std::string_view part) {
    return is_ascii(part) ? std::string() : std::string("Content-Transfer-Encoding: 8bit\r\n");
  };
  std::string m;
  m += "From: Mail Delivery System <MAILER-DAEMON@" + one_line(in.reporting_mta, false) + ">\r\n";
  m += "To: <" + one_line(in.envelope.sender, global) + ">\r\n";
  const DsnAction kind = report_kind(rs);
  m += "Subject: " + subject_for(kind) + "\r\n";
  m += "Date: " + core::format_rfc5322_date(in.now) + "\r\n";
  // Unique per original message, second and kind: a delay report and a failure report of one
  // message in the same second still differ.
  m += "Message-ID: <" + one_line(in.queue_id, false) + "." +
       std::to_string(core::to_unix(in.now)) + "." + std::string(to_string(kind)) + "@" +
       one_line(in.reporting_mta, false) + ">\r\n";
  m += "Auto-Submitted: auto-replied\r\n";  // RFC 3834 §5
  m += "MIME-Version: 1.0\r\n";
  m += "Content-Type: multipart/report; report-type=delivery-status;\r\n";
  m += "\tboundary=\"" + boundary + "\"\r\n";
  m += "\r\nThis is a MIME-encapsulated message.\r\n\r\n";

  m += "--" + boundary + "\r\n";
  m += "Content-Description: Notification\r\n";
  m += std::string("Content-Type: text/plain; charset=") +
       (is_ascii(human) ? "us-ascii" : "utf-8") + "\r\n";
  m += eight_bit(human) + "\r\n" + human + "\r\n";

  m += "--" + boundary + "\r\n";
  m += "Content-Description: Delivery report\r\n";
  m += std::string("Content-Type: ") +
       (global ? "message/global-delivery-status" : "message/delivery-status") + "\r\n";
  m += eight_bit(status) + "\r\n" + status + "\r\n";

  // RFC 6522 §3: the returned message is optional; a redacted report has none.
  if (!redacted) {
    m += "--" + boundary + "\r\n";
    if (full) {
      m += "Content-Description: Undelivered Message\r\n";
      m += std::string("Content-Type: ") + (global ? "message/global" : "message/rfc822") +
           "\r\n";
    } else {
      m += "Content-Description: Message Headers\r\n";
      m += std::string("Content-Type: ") +
           (global ? "message/global-headers" : "text/rfc822-headers") + "\r\n";
    }
    m += eight_bit(returned) + "\r\n" + returned + "\r\n";
  }
  m += "--" + boundary + "--\r\n";

  NewMessage dsn;
  dsn.envelope.sender = "";  // RFC 3461 §6.2: the null reverse-path
  dsn.envelope.recipients = {{in.envelope.sender, core::kNotifyNever, ""}};
  dsn.envelope.smtputf8 = global;
  dsn.envelope.body = is_ascii(m) ? core::BodyType::seven_bit : core::BodyType::eight_bit_mime;
  // RFC 8689 §5: the report on a REQUIRETLS message is redacted (above) and so goes without
  // REQUIRETLS. It never inherits tls_optional either: the sender's "TLS-Required: No" was about
  // its own message, not about what we tell it.
  dsn.content = std::move(m);
  return dsn;
}

}  // namespace stsrelay::queue
