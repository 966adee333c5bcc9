// The report of one delivery job once every recipient is decided: one log line per recipient
// on the "mail" logger (attempt_log.hpp) with its count for the metrics, the DSN (RFC 3464) to
// the sender for the bounced ones, and one Store::record() that stores the results and the DSN
// in one transaction. The line and the DSN are built by pure functions; report_job() does the
// I/O. Internal to src/delivery.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include <boost/asio/awaitable.hpp>

#include "queue/store.hpp"
#include "src/core/clock.hpp"
#include "src/delivery/attempt_log.hpp"
#include "src/delivery/delivery_agent.hpp"
#include "src/delivery/delivery_counters.hpp"
#include "src/delivery/job_state.hpp"
#include "src/delivery/sts_attempt.hpp"
#include "src/delivery/tls_floor.hpp"

namespace stsrelay::dkim {
class SigningKeys;
}

namespace stsrelay::delivery {

// The log line of recipient `i` with its final fate; `delay` is seconds since the message was
// received.
// `dane` is the dane= field: "host:verdict" per host tried ("" when DANE was off).
AttemptLogLine attempt_line(const JobState& st, const StsAttempt& sts, const FloorAttempt& floor,
                            const std::string& dane, std::size_t i, const RecipientFate& fate,
                            std::uint16_t port, double delay);

// The metrics' reading of an attempt: status, TLS (verified, unverified, none) and policy mode.
AttemptKey attempt_key(const AttemptLogLine& line);

// The DSN for the recipients whose final fate (`finals`, in job order) is a bounce; none when no
// recipient bounced.
std::optional<queue::NewMessage> bounce_notice(const JobState& st,
                                               const std::vector<RecipientFate>& finals,
                                               const std::string& content,
                                               const std::string& reporting_mta,
                                               core::SysTime now);

// Puts the DKIM-Signature fields of `keys` for the notice's author domain on top of it (none
// when it has no key there).
void sign_notice(queue::NewMessage& notice, const dkim::SigningKeys& keys, core::SysTime now);

// Expires, logs and records every recipient of the finished job, with the DSN of the bounced
// ones. A failed record() releases the recipients, which stay queued. `content` gives the
// message when a DSN needs it (read only then); when it gives null (the message was deleted
// meanwhile) nothing is logged or recorded, and the caller releases the recipients.
boost::asio::awaitable<void> report_job(DeliveryAgent::Impl& impl, const JobState& st,
                                        const StsAttempt& sts, const FloorAttempt& floor,
                                        const std::string& dane,
                                        const std::function<const std::string*()>& content,
                                        const DeliverySettings& settings);

}  // namespace stsrelay::delivery
