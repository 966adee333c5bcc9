#include "tlsrpt/report_mail.hpp"

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstdio>

#include "src/core/ascii.hpp"
#include "src/core/base64.hpp"
#include "src/dkim/fold.hpp"
#include "src/dkim/signer.hpp"
#include "src/core/mail_date.hpp"
#include "tlsrpt/report_day.hpp"

namespace stsrelay::tlsrpt {
namespace {

// RFC 2045 §6.8: base64 lines of at most 76 characters.
constexpr std::size_t kBase64Line = 76;
// Keeps every line of the message under RFC 5321's 998 characters, the folding included.
constexpr std::size_t kMaxToken = 900;

bool is_domain(std::string_view s) {
  if (s.empty() || s.size() > 253 || s.front() == '.' || s.back() == '.' ||
      s.find("..") != std::string_view::npos) {
    return false;
  }
  return std::all_of(s.begin(), s.end(),
                     [](char c) { return core::is_alnum(c) || c == '-' || c == '.' || c == '_'; });
}

// RFC 5322 §3.4.1 addr-spec in its dot-atom form (quoted local parts are not supported).
bool is_addr_spec(std::string_view s) {
  const auto at = s.rfind('@');
  if (at == std::string_view::npos || at == 0 || s.size() > 254) return false;
  const std::string_view local = s.substr(0, at);
  constexpr std::string_view kAtextPunct = "!#$%&'*+-/=?^_`{|}~.";
  const bool local_ok = std::all_of(local.begin(), local.end(), [&](char c) {
    return core::is_alnum(c) || kAtextPunct.find(c) != std::string_view::npos;
  });
  return local_ok && local.front() != '.' && local.back() != '.' &&
         local.find("..") == std::string_view::npos && is_domain(s.substr(at + 1));
}

// msg-id contents (RFC 5322 §3.6.4), as a single printable word with exactly one '@'.
bool is_msg_id(std::string_view s) {
  if (s.empty() || s.size() > kMaxToken || std::count(s.begin(), s.end(), '@') != 1 ||
      s.front() == '@' || s.back() == '@') {
    return false;
  }
  return std::all_of(s.begin(), s.end(), [](char c) {
    return c > 32 && c < 127 && c != '<' && c != '>' && c != '"' && c != '\\';
  });
}

// Goes inside a quoted-string parameter value (name=, filename=).
bool is_filename(std::string_view s) {
  return !s.empty() && s.size() <= kMaxToken && std::all_of(s.begin(), s.end(), [](char c) {
    return c >= 32 && c < 127 && c != '"' && c != '\\';
  });
}

// A boundary that base64 cannot contain ("=_" is not in its alphabet and '=' only pads at the
// end), varied by the Message-ID so that nested copies of reports do not share one.
std::string boundary_for(const ReportMail& m, const std::string& text_part) {
  std::uint64_t h = 1469598103934665603ull;  // FNV-1a
  for (char c : m.message_id + m.report_id) {
    h = (h ^ std::uint8_t(c)) * 1099511628211ull;
  }
  char hex[17];
  std::snprintf(hex, sizeof hex, "%016llx", static_cast<unsigned long long>(h));
  std::string boundary = std::string("=_tlsrpt_") + hex;
  // The text part is the only one that could hold it (through the report-id or file name).
  for (int n = 0; text_part.find("--" + boundary) != std::string::npos; ++n) {
    boundary = std::string("=_tlsrpt_") + hex + "_" + std::to_string(n);
  }
  return boundary;
}

void add_field(std::string& out, std::string_view name, std::string_view value) {
  out += dkim::fold_header(name, dkim::words(value));
  out += "\r\n";
}

core::Status check(const ReportMail& m) {
  auto bad = [](std::string_view field, std::string_view value, std::string_view why) {
    return core::Error::invalid("report mail: " + std::string(field) + " \"" +
                                std::string(value.substr(0, 200)) + "\" " + std::string(why));
  };
  if (!is_domain(m.policy_domain)) return bad("policy domain", m.policy_domain, "is not a domain name");
  if (!is_domain(m.submitter)) return bad("submitter", m.submitter, "is not a domain name");
  if (!is_msg_id(m.report_id)) {
    return bad("report-id", m.report_id, "is not of the form left@right (RFC 5322 msg-id)");
  }
  if (!is_msg_id(m.message_id)) {
    return bad("Message-ID", m.message_id, "is not of the form left@right");
  }
  if (!is_addr_spec(m.from)) return bad("From", m.from, "is not an e-mail address");
  if (!is_addr_spec(m.to)) return bad("To", m.to, "is not an e-mail address");
  if (!is_filename(m.filename)) {
    return bad("file name", m.filename, "is empty, too long, or holds a quote or control character");
  }
  // RFC 1952 §2.3.1: a gzip member begins with ID1 0x1f, ID2 0x8b.
  if (m.gzipped_report.size() < 18 || std::uint8_t(m.gzipped_report[0]) != 0x1f ||
      std::uint8_t(m.gzipped_report[1]) != 0x8b) {
    return core::Error::invalid("report mail: the attachment is not gzip data");
  }
  return core::Ok{};
}

std::string text_part(const ReportMail& m) {
  std::string t;
  t += "This is an aggregate TLS report from " + m.submitter + ".\r\n";
  t += "\r\n";
  t += "Policy domain: " + m.policy_domain + "\r\n";
  t += "Period: " + format_rfc3339(m.range_begin) + " to " + format_rfc3339(m.range_end) + "\r\n";
  t += "Report-ID: <" + m.report_id + ">\r\n";
  t += "\r\n";
  t += "The report is attached as gzipped JSON (application/tlsrpt+gzip, RFC 8460):\r\n";
  t += m.filename + "\r\n";
  return t;
}

}  // namespace

core::Result<std::string> mailto_recipient(std::string_view uri) {
  constexpr std::string_view kScheme = "mailto:";
  if (!core::istarts_with(uri, kScheme)) {
    return core::Error::invalid("\"" + std::string(uri) + "\" is not a mailto: URI");
  }
  std::string_view to = uri.substr(kScheme.size());
  to = to.substr(0, to.find('?'));  // RFC 6068 §2: hfields follow '?'; none is used
  std::string address;
  for (std::size_t i = 0; i < to.size(); ++i) {
    if (to[i] != '%') {
      address += to[i];
      continue;
    }
    const int hi = i + 2 < to.size() ? core::hex_value(to[i + 1]) : -1;
    const int lo = i + 2 < to.size() ? core::hex_value(to[i + 2]) : -1;
    if (hi < 0 || lo < 0) {
      return core::Error::invalid("\"" + std::string(uri) + "\": bad %-escape");
    }
    address += char(hi * 16 + lo);
    i += 2;
  }
  if (address.find(',') != std::string::npos) {
    return core::Error::invalid("\"" + std::string(uri) + "\" names several addresses");
  }
  if (!is_addr_spec(address)) {
    return core::Error::invalid("\"" + std::string(uri) + "\" does not hold an e-mail address");
  }
  return address;
}

core::Result<std::string> compose_report_mail(const ReportMail& m) {
  if (auto ok = check(m); !ok) return ok.error();
  const std::string text = text_part(m);
  const std::string boundary = boundary_for(m, text);

  std::string out;
  add_field(out, "From", m.from);
  add_field(out, "To", m.to);
  // RFC 8460 §5.3 tlsrpt-subject; folding keeps it within 78 characters where it can.
  add_field(out, "Subject", "Report Domain: " + m.policy_domain + " Submitter: " + m.submitter +
                                " Report-ID: <" + m.report_id + ">");
  add_field(out, "Date", core::format_rfc5322_date(m.date));
  add_field(out, "Message-ID", "<" + m.message_id + ">");
  add_field(out, "MIME-Version", "1.0");
  add_field(out, "TLS-Report-Domain", m.policy_domain);
  add_field(out, "TLS-Report-Submitter", m.submitter);
  // RFC 3834 §5: an automatic message; vacation responders must not answer it.
  add_field(out, "Auto-Submitted", "auto-generated");
  // RFC 8460 §5.3: report delivery must not fail on the destination's TLS problems; RFC 8689
  // §5 tells the relays on the way the same.
  add_field(out, "TLS-Required", "No");
  add_field(out, "Content-Type",
            "multipart/report; report-type=\"tlsrpt\"; boundary=\"" + boundary + "\"");
  out += "\r\n";
  out += "This is a multipart message in MIME format.\r\n";

  out += "\r\n--" + boundary + "\r\n";
  add_field(out, "Content-Type", "text/plain; charset=\"us-ascii\"");
  add_field(out, "Content-Transfer-Encoding", "7bit");
  out += "\r\n";
  out += text;

  out += "\r\n--" + boundary + "\r\n";
  add_field(out, "Content-Type", "application/tlsrpt+gzip; name=\"" + m.filename + "\"");
  add_field(out, "Content-Transfer-Encoding", "base64");
  add_field(out, "Content-Disposition", "attachment; filename=\"" + m.filename + "\"");
  out += "\r\n";
  const std::string encoded = core::encode_base64(m.gzipped_report);
  for (std::size_t pos = 0; pos < encoded.size(); pos += kBase64Line) {
    if (pos > 0) out += "\r\n";
    out += encoded.substr(pos, kBase64Line);
  }
  // RFC 2046 §5.1.1: the CRLF before the delimiter belongs to it, not to the base64 data.
  out += "\r\n--" + boundary + "--\r\n";
  return out;
}

std::vector<std::string> report_signed_headers() {
  return {"From",         "To",           "Subject",
          "Date",         "Message-ID",   "MIME-Version",
          "Content-Type", "TLS-Report-Domain", "TLS-Report-Submitter",
          "Auto-Submitted"};
}

core::Result<std::string> build_report_mail(const ReportMail& mail, const dkim::DkimKey& key,
                                            std::string_view selector) {
  auto message = compose_report_mail(mail);
  if (!message) return message.error();
  const dkim::DkimParams params{mail.submitter, std::string(selector), report_signed_headers(),
                          mail.date};
  auto signature = dkim::dkim_signature(*message, key, params);
  if (!signature) return signature.error();
  return *signature + *message;
}

core::Result<std::string> build_report_mail(const ReportMail& mail,
                                            const dkim::SigningKeys& keys) {
  const auto submitter_keys = keys.for_domain(mail.submitter);
  if (submitter_keys.empty()) {
    return core::Error::invalid("no [[dkim.sign]] key for " + mail.submitter +
                                " and no tlsrpt.dkim_key_file: mail reports must be DKIM-signed");
  }
  auto message = compose_report_mail(mail);
  if (!message) return message.error();
  std::string signatures;
  for (const dkim::SigningKey* key : submitter_keys) {
    const dkim::DkimParams params{mail.submitter, key->selector, report_signed_headers(),
                                  mail.date};
    auto signature = dkim::dkim_signature(*message, key->key, params);
    if (!signature) return signature.error();
    signatures += *signature;
  }
  return signatures + *message;
}

}  // namespace stsrelay::tlsrpt
