// Delivery Status Notifications: the multipart/report (RFC 6522) with a message/delivery-status
// part (RFC 3464) that tells a sender what became of its message. Pure: the original envelope
// and content, the recipients to report, host name and times in; a message to queue out.
//
// Rules (RFC 3461 §4.1, §6; RFC 5321 §4.5.5):
// - A message with a null reverse-path never gets a DSN (this also stops bounce loops: every
//   DSN itself has the null reverse-path).
// - NOTIFY=NEVER: no DSN. NOTIFY not given: failures only (RFC 3461 leaves delays to the MTA;
//   we report none). Otherwise only the conditions listed: FAILURE, DELAY, SUCCESS.
// - RET=FULL returns the whole message, in failure reports only (§4.3); otherwise, or when the
//   message is larger than DsnInput::max_returned_size, only its header section.
// - ENVID and ORCPT were stored as xtext; they are reported decoded (§6.3).
// - RFC 8689 §5: the report on a REQUIRETLS message is redacted — no returned message and no
//   header section, whatever RET says — and so is sent without REQUIRETLS (a report that needed
//   it would be lost wherever the sender's own domain cannot be authenticated).
// - SMTPUTF8 messages get the RFC 6533 types (message/global-delivery-status,
//   message/global-headers, message/global) and the "utf-8" address type for non-ASCII
//   addresses.
// What it does not do: decide which recipients failed (src/delivery), or send anything.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "queue/store.hpp"
#include "src/core/clock.hpp"
#include "src/core/envelope.hpp"

namespace stsrelay::queue {

// RFC 3464 §2.3.3 action-value.
enum class DsnAction { failed, delayed, delivered, relayed, expanded };
std::string_view to_string(DsnAction action);

struct DsnRecipient {
  std::string address;      // as in RCPT TO: Final-Recipient
  std::uint8_t notify = 0;  // core::NotifyFlag bits
  std::string orcpt;        // "addr-type;xtext" as given in ORCPT, empty when not given
  DsnAction action = DsnAction::failed;
  std::string status;      // RFC 3463 code, e.g. "5.1.1"; empty: 5.0.0 / 4.0.0 / 2.0.0
  std::string remote_mta;  // the MX host that answered, empty when none did
  std::string diagnostic;  // the remote reply ("550 5.1.1 ...") or a local reason
  std::optional<core::SysTime> last_attempt;
  std::optional<core::SysTime> will_retry_until;  // for `delayed`
};

struct DsnInput {
  core::Envelope envelope;   // of the original message
  std::string_view content;  // the original message as stored
  std::string queue_id;      // of the original message
  std::vector<DsnRecipient> recipients;
  std::string reporting_mta;  // our host name (server.hostname)
  core::SysTime arrival;
  core::SysTime now;
  std::size_t max_returned_size = 10 * 1024 * 1024;
  // The size of the stored message when `content` holds only its header section (a message
  // larger than max_returned_size is not read whole for its bounce); 0: `content` is whole.
  std::uint64_t content_size = 0;
};

// True when a recipient with these NOTIFY flags asked to hear about `action`.
bool wants_notice(std::uint8_t notify, DsnAction action);

// The DSN to queue (null reverse-path, to the original sender), or nothing when no recipient
// is to be reported or the original sender is null.
std::optional<NewMessage> build_dsn(const DsnInput& input);

}  // namespace stsrelay::queue
