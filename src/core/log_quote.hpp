// Untrusted text (DNS records, HTTP bodies, SMTP replies, configuration values) made safe to put
// into a log line or an error message: one copy of each way the project quotes, so that a
// hostile record can neither forge a second line nor flood one.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace stsrelay::core {

// How control octets are written between the quotes; '"' and '\' are always backslash-escaped,
// and other octets, UTF-8 included, are kept.
enum class QuoteStyle {
  log,   // key=value log lines: \x1b for C0 controls and DEL
  toml,  // TOML basic string (TOML 1.0 "String"), as a user would write it back: \u001B
  json,  // JSON string (RFC 8259 §7): \u001b for C0 controls; DEL is allowed as it is
};

// Appends `text` escaped as `style` says, without surrounding quotes.
void append_escaped(std::string& out, std::string_view text, QuoteStyle style);

// `text` escaped and in double quotes.
std::string quoted(std::string_view text, QuoteStyle style);

// A value for a key=value log line: as it is when it holds no space, quote, backslash, '=' or
// control octet; otherwise quoted(value, QuoteStyle::log). Empty values are quoted too.
std::string log_value(std::string_view value);

// The first `max` octets of `s` with control and 8-bit octets as '?', and "..." when cut: for
// names and values from DNS and HTTP quoted inside error texts.
std::string printable(std::string_view s, std::size_t max = 64);

}  // namespace stsrelay::core
