// The client's side of one transaction before any byte is sent: what the message needs
// (size, 8-bit data, SMTPUTF8), whether this server can take it at all, and the MAIL FROM and
// RCPT TO command lines with the ESMTP parameters the server offers. Pure.
//
// Local refusals are permanent because the server's EHLO reply told us it cannot take the
// message, and a later attempt will meet the same server:
//   - SIZE: the message is larger than the server's fixed maximum → 552 5.3.4 (RFC 1870 §6,
//     RFC 3463 §3.4 "message too big for system").
//   - SMTPUTF8 needed but not offered → 553 5.6.7 (RFC 6531 §3.4: the message must not be sent;
//     we do not downgrade addresses).
//   - 8-bit data to a server without 8BITMIME → 554 5.6.3 "conversion required but not
//     supported" (RFC 3463 §3.7). RFC 6152 §3 forbids sending 8-bit data to such a server; the
//     client may convert (MIME downgrade to quoted-printable/base64) or return the message. We
//     return it: downgrading would break DKIM signatures made upstream, and servers without
//     8BITMIME are rare today. (Postfix sends such mail anyway by default; that is the
//     non-conforming choice we do not make.) Pinned by ClientEnvelope.LocalRefusalTable.
//   - REQUIRETLS asked for (core::Envelope::require_tls) and the server did not offer it after
//     TLS, or the session is not encrypted → 550 5.7.30 "REQUIRETLS support required" (RFC 8689
//     §4.2.1: the client must see REQUIRETLS in the EHLO reply that follows TLS before it sends
//     such a message). Checked first: it is about whether this host may see the message at
//     all. RFC 8689 §4.2.1 states the rule for a non-empty return path; we apply it to a null
//     one (a bounce of such a message) too, since a bounce quotes what the sender protected.
//     The certificate check that RFC 8689 also requires is the TLS verdict's (the caller's
//     tls_gate), made before any transaction.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "smtp/client_capabilities.hpp"
#include "smtp/reply.hpp"
#include "src/core/envelope.hpp"

namespace stsrelay::smtp {

struct MessageTraits {
  std::uint64_t size = 0;       // octets of the content as stored (RFC 1870 §4: before stuffing)
  bool eight_bit = false;       // some octet of the content is above 127
  bool needs_smtputf8 = false;  // non-ASCII addresses, or SMTPUTF8 asked for and used in headers
  bool require_tls = false;     // RFC 8689: REQUIRETLS was asked for (core::Envelope::require_tls)
};

// What the session knows of the receiving server besides its EHLO reply.
struct ReceiverTraits {
  std::string_view host;    // the MX or next-hop name, for the refusal text
  bool tls_active = false;  // the session is encrypted (STARTTLS or implicit TLS)
};

// `content` is the stored message (headers, blank line, body) with CRLF line endings.
MessageTraits describe_message(const core::Envelope& envelope, std::string_view content);

// describe_message() over a message read in chunks split anywhere (a large message is never
// held whole): feed every chunk in order, then ask for the traits.
class MessageScanner {
 public:
  void feed(std::string_view chunk);
  MessageTraits traits(const core::Envelope& envelope, std::uint64_t size) const;

 private:
  bool eight_bit_ = false;
  bool header_eight_bit_ = false;  // a non-ASCII octet in the header section
  bool in_header_ = true;
  // Octets of "\r\n\r\n" matched so far; the message starts as if after a line end, so an
  // empty line at once is an empty header section.
  int matched_ = 2;
};

// The local permanent refusal of this message for this server, or nothing when it may be sent.
std::optional<Reply> refuse_locally(const Capabilities& caps, const MessageTraits& traits,
                                    const ReceiverTraits& receiver);

// "MAIL FROM:<sender> [SIZE=n] [BODY=8BITMIME] [SMTPUTF8] [REQUIRETLS] [RET=..] [ENVID=..]\r\n".
// Each parameter only when the server offered its extension (RFC 5321 §4.1.1.11 says a server
// may refuse unknown parameters); the DSN parameters of RFC 3461 only when DSN is offered.
std::string mail_from_command(const core::Envelope& envelope, const Capabilities& caps,
                              const MessageTraits& traits);

// "RCPT TO:<address> [NOTIFY=..] [ORCPT=..]\r\n".
std::string rcpt_to_command(const core::EnvelopeRecipient& recipient, const Capabilities& caps);

}  // namespace stsrelay::smtp
