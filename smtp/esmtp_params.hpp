// ESMTP parameters of MAIL and RCPT (RFC 5321 §4.1.2 Mail-parameters / Rcpt-parameters):
//   MAIL: SIZE (RFC 1870), BODY=7BIT|8BITMIME (RFC 6152), SMTPUTF8 (RFC 6531 §3.4),
//         RET and ENVID (RFC 3461 §4.3, §4.4), AUTH= (RFC 4954 §5; accepted and ignored: the
//         relay does not trust an identity asserted by another MTA), REQUIRETLS (RFC 8689 §2,
//         no value; only where the session offered it, see MailContext);
//   RCPT: NOTIFY and ORCPT (RFC 3461 §4.1, §4.2).
// Keywords are case-insensitive. An unknown keyword gets 555 5.5.4 (RFC 5321 §4.1.1.11),
// a repeated keyword or a malformed value 501 5.5.4. Values are kept as sent (ENVID and ORCPT
// stay xtext-encoded) so that DSNs can return them unchanged.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "smtp/reply.hpp"
#include "src/core/envelope.hpp"

namespace stsrelay::smtp {

struct MailParameters {
  std::optional<std::uint64_t> size;  // saturates at UINT64_MAX for absurd values
  core::BodyType body = core::BodyType::seven_bit;
  bool smtputf8 = false;
  core::DsnRet ret = core::DsnRet::unspecified;
  std::string envid;
  bool requiretls = false;  // RFC 8689 §4.1: the message must be tagged REQUIRETLS
};

// What the session offered in its EHLO reply, for the parameters that depend on it.
struct MailContext {
  // RFC 8689 §2: REQUIRETLS is offered only over TLS. Where it was not offered the parameter is
  // refused like any unknown one (RFC 5321 §4.1.1.11: 555), never silently dropped, so that a
  // client never believes a message got a protection it did not get.
  bool requiretls_offered = false;
};

struct RcptParameters {
  std::uint8_t notify = 0;  // core::NotifyFlag bits, 0 when not given
  std::string orcpt;        // "addr-type;xtext" as sent
};

// Each returns the error reply, or nothing when every parameter was acceptable.
std::optional<Reply> parse_mail_parameters(std::string_view text, MailParameters& out,
                                          const MailContext& context = {});
std::optional<Reply> parse_rcpt_parameters(std::string_view text, RcptParameters& out);

// RFC 3461 §4: xtext, with "+" followed by two upper-case hex digits.
bool is_xtext(std::string_view s);

}  // namespace stsrelay::smtp
