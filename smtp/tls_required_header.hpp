// The TLS-Required header field (RFC 8689 §3) as the server reads it when it accepts a message:
// "TLS-Required: No" asks relays to deliver even where the recipient domain's TLS policy
// (MTA-STS, DANE) would refuse, for mail whose sender rates delivery above confidentiality.
// Pure: the message in, the envelope flag out; the field itself stays in the message (§4.1
// lets relays pass it on, and the next hop needs it as much as we do).
//
// Choices, each pinned by tests/unit/smtp/tls_required_header_test.cpp:
// - Only the message's own header section counts, not the headers of attached messages.
// - The field name is case-insensitive (RFC 5322 §1.2.2); the value is compared
//   case-insensitively after dropping folding and whitespace around it; "No" is the only value
//   RFC 8689 §3 defines, so anything else ("Yes", "No thanks", "No (x)") is no request.
// - Several TLS-Required fields: any one with the value "No" counts.
// - RFC 8689 §4.1: with the REQUIRETLS MAIL FROM parameter the field is ignored.
#pragma once

#include <string_view>

namespace stsrelay::smtp {

// True when the header section of `message` has a TLS-Required field with the value "No".
bool has_tls_required_no(std::string_view message);

// What core::Envelope::tls_optional becomes for a message accepted with `require_tls` (the
// REQUIRETLS parameter) and the content `message`.
bool tls_optional_requested(bool require_tls, std::string_view message);

}  // namespace stsrelay::smtp
