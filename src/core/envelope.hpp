// The envelope of one accepted message: what the SMTP server hands to the queue, and what the
// queue stores for delivery and for DSNs (RFC 3461 parameters are kept as given).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace stsrelay::core {

// RFC 3461 §4.3 RET.
enum class DsnRet : std::uint8_t { unspecified = 0, full = 1, hdrs = 2 };

// RFC 3461 §4.1 NOTIFY, as bit flags; 0 means the parameter was not given (defaults apply:
// FAILURE and, at the MTA's choice, DELAY).
enum NotifyFlag : std::uint8_t {
  kNotifyNever = 1,
  kNotifySuccess = 2,
  kNotifyFailure = 4,
  kNotifyDelay = 8,
};

// RFC 6152 BODY=.
enum class BodyType : std::uint8_t { seven_bit = 0, eight_bit_mime = 1 };

struct EnvelopeRecipient {
  std::string address;   // as given in RCPT TO, without angle brackets; domain normalised
  std::uint8_t notify = 0;  // NotifyFlag bits
  std::string orcpt;     // RFC 3461 ORCPT "addr-type;xtext", empty when not given
};

struct Envelope {
  std::string sender;  // MAIL FROM without angle brackets; empty for the null reverse-path <>
  std::vector<EnvelopeRecipient> recipients;
  std::string envid;   // RFC 3461 ENVID (xtext as given), may be empty
  DsnRet ret = DsnRet::unspecified;
  BodyType body = BodyType::seven_bit;
  bool smtputf8 = false;  // RFC 6531: the envelope or headers need SMTPUTF8 downstream

  // Where it came from: for the acceptance log line and Received: header.
  std::string client_address;  // IP of the SMTP client
  std::string client_helo;     // EHLO/HELO argument
  std::string auth_user;       // authenticated user, empty if none
  std::string tls;             // e.g. "TLSv1.3:TLS_AES_256_GCM_SHA384", empty without TLS

  // RFC 8689 "TLS-Required: No": deliver without applying the recipient domain's TLS policy
  // (MTA-STS, DANE). Set for mail stsrelay makes itself — TLS-RPT reports, which RFC 8460 §5.3
  // says must reach a domain whose TLS is broken — and for client mail carrying that header.
  bool tls_optional = false;

  // RFC 8689 REQUIRETLS (the MAIL FROM parameter, accepted only over TLS): every hop must be
  // TLS to a host authenticated by DNSSEC-secure MX records or an MTA-STS policy, with a
  // certificate that verifies, and that offers REQUIRETLS in turn; otherwise the message
  // bounces with 5.7.30. When set, a TLS-Required header is ignored (§4.1).
  bool require_tls = false;
};

}  // namespace stsrelay::core
