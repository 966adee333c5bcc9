// What `stsrelay queue list|show` print: pure formatting of queue records, as text (list looks
// like Postfix's `mailq`) and as JSON (README, "Command line"). Times are UTC; JSON
// carries them as Unix seconds, like the database.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "queue/store.hpp"

namespace stsrelay::app {

// mailq style: a header line; per message its id, size, arrival time and sender, then each
// recipient indented with its state, attempts and next attempt, and its last reply in
// parentheses; a final "-- N Kbytes in M Requests." line. "Mail queue is empty" for none.
std::string format_queue_text(const std::vector<queue::MessageRecord>& messages);

// A JSON array: [{"id", "sender", "received_at", "size", "recipients": [{"address", "state",
// "attempts", "next_attempt_at", "last_reply"}]}], followed by a newline.
std::string format_queue_json(const std::vector<queue::MessageRecord>& messages);

// One message with its envelope (client, DSN parameters), recipients and header section.
// `routes[i]` (when given) names the route of recipient i (RouteTable::describe()).
std::string format_message_text(const queue::MessageDetail& detail,
                                const std::vector<std::string>& routes = {});
// The same as one JSON object: the fields of a list entry plus "envelope" and "headers", and
// "route" per recipient when given.
std::string format_message_json(const queue::MessageDetail& detail,
                                const std::vector<std::string>& routes = {});

// RFC 3461 NOTIFY bits as written in RCPT TO: "SUCCESS,FAILURE", "NEVER", "" when not given.
std::string format_notify(std::uint8_t notify);

// RFC 3461 RET as its keyword ("FULL", "HDRS"), empty when not given.
std::string_view format_ret(core::DsnRet ret);

}  // namespace stsrelay::app
