#include "src/core/log_quote.hpp"

#include <algorithm>

#include "src/core/ascii.hpp"

namespace stsrelay::core {
namespace {

void append_control(std::string& out, unsigned char c, QuoteStyle style) {
  static constexpr char kLowerHex[] = "0123456789abcdef";
  static constexpr char kUpperHex[] = "0123456789ABCDEF";
  const char* hex = style == QuoteStyle::toml ? kUpperHex : kLowerHex;
  out += style == QuoteStyle::log ? "\\x" : "\\u00";
  out += hex[c >> 4];
  out += hex[c & 15];
}

}  // namespace

void append_escaped(std::string& out, std::string_view text, QuoteStyle style) {
  for (char ch : text) {
    const auto c = static_cast<unsigned char>(ch);
    if (ch == '"' || ch == '\\') {
      out += '\\';
      out += ch;
    } else if (c < 0x20 || (c == 0x7f && style != QuoteStyle::json)) {
      append_control(out, c, style);
    } else {
      out += ch;
    }
  }
}

std::string quoted(std::string_view text, QuoteStyle style) {
  std::string out = "\"";
  append_escaped(out, text, style);
  out += '"';
  return out;
}

std::string log_value(std::string_view value) {
  const bool needs_quotes = value.empty() || std::any_of(value.begin(), value.end(), [](char c) {
                              return !is_vchar(c) && !is_non_ascii(c);
                            }) || value.find_first_of("\"\\=") != std::string_view::npos;
  return needs_quotes ? quoted(value, QuoteStyle::log) : std::string(value);
}

std::string printable(std::string_view s, std::size_t max) {
  std::string out;
  for (char c : s.substr(0, max)) out += is_printable(c) ? c : '?';
  if (s.size() > max) out += "...";
  return out;
}

}  // namespace stsrelay::core
