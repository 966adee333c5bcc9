// The TLS-RPT report as an e-mail for a `mailto:` rua (RFC 8460 §5.3), DKIM-signed for the
// submitter domain: a multipart/report; report-type="tlsrpt" with a short text/plain part and
// the gzipped JSON as application/tlsrpt+gzip (base64, 76-character lines), Subject
// "Report Domain: <policy domain> Submitter: <submitter> Report-ID: <<report-id>>", and the
// TLS-Report-Domain and TLS-Report-Submitter fields. The layout follows what the large report
// senders send (file name in Content-Type name= and Content-Disposition filename=).
//
// Pure: the caller supplies Date, Message-ID and the key, and builds the SMTP envelope (the
// recipient is mailto_recipient() of the rua URI). The output has CRLF line endings and no
// line over 998 characters, ready to queue.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "src/core/clock.hpp"
#include "src/core/result.hpp"
#include "src/dkim/key.hpp"
#include "src/dkim/relay_signing.hpp"

namespace stsrelay::tlsrpt {

struct ReportMail {
  std::string policy_domain;   // TLS-Report-Domain, Subject (A-labels)
  std::string submitter;       // TLS-Report-Submitter, Subject, and the DKIM d= domain
  std::string report_id;       // the report's report-id, "left@right" without angle brackets
  core::SysTime range_begin{};  // the report's date-range, told in the text part
  core::SysTime range_end{};
  std::string filename;        // RFC 8460 §5.1 name of the attachment
  std::string gzipped_report;  // the attachment: the report JSON, gzipped
  std::string from;            // addr-spec, e.g. "tlsrpt-noreply@example.org"
  std::string to;              // addr-spec: mailto_recipient() of the rua URI
  core::SysTime date{};        // the Date field and the DKIM t= tag
  std::string message_id;      // "left@right" without angle brackets
};

// The addr-spec of a `mailto:` URI (RFC 6068): the scheme removed (any case), the query
// ("?subject=...") dropped, %-escapes decoded. Fails for another scheme, no or several
// addresses, or characters that do not belong in an address (CR, LF, space, ...).
core::Result<std::string> mailto_recipient(std::string_view uri);

// The message without a DKIM signature. Errors name the field that cannot go into a header
// (CR or LF, a report-id without '@', a filename with a quote, data that is not gzip, ...).
core::Result<std::string> compose_report_mail(const ReportMail& mail);

// The header names a report mail is signed over (RFC 8460 §5.3: the TLS-Report-Domain and
// TLS-Report-Submitter fields included).
std::vector<std::string> report_signed_headers();

// compose_report_mail() with the DKIM-Signature field (d=submitter, s=selector) in front.
core::Result<std::string> build_report_mail(const ReportMail& mail, const dkim::DkimKey& key,
                                            std::string_view selector);

// The same, signed with every [[dkim.sign]] key of the submitter domain (RSA first, like
// relayed mail), over the same fields. Fails when the submitter domain has no key.
core::Result<std::string> build_report_mail(const ReportMail& mail,
                                            const dkim::SigningKeys& keys);

}  // namespace stsrelay::tlsrpt
