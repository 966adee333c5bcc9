#include "queue/dsn_fields.hpp"

#include <algorithm>

#include "queue/xtext.hpp"
#include "src/core/ascii.hpp"
#include "src/core/utf8.hpp"

namespace stsrelay::queue {
namespace {

// Drops a trailing partial UTF-8 sequence left by cutting a string short.
void trim_partial_utf8(std::string& s) {
  while (!s.empty() && (static_cast<unsigned char>(s.back()) & 0xc0) == 0x80) s.pop_back();
  if (!s.empty() && static_cast<unsigned char>(s.back()) >= 0xc0) s.pop_back();
}

}  // namespace

bool is_ascii(std::string_view text) {
  return !core::has_non_ascii(text);
}

std::string one_line(std::string_view text, bool allow_utf8) {
  std::string out;
  bool space = false;
  for (std::size_t i = 0; i < text.size(); ++i) {
    const auto c = static_cast<unsigned char>(text[i]);
    if (c == '\r' || c == '\n' || c == '\t' || c == ' ') {
      space = !out.empty();
      continue;
    }
    if (space) out.push_back(' ');
    space = false;
    if (c < 0x20 || c == 0x7f) {
      out.push_back('?');
    } else if (c < 0x80) {
      out.push_back(text[i]);
    } else if (const std::size_t n = allow_utf8 ? core::utf8_sequence_length(text, i) : 0) {
      // RFC 6533 §3: global DSN fields are UTF-8; octets that form no character are masked
      // like control octets, so a remote reply in another charset cannot make them invalid.
      out.append(text.substr(i, n));
      i += n - 1;
    } else {
      out.push_back('?');
    }
  }
  if (out.size() > kMaxFieldText) {
    out.resize(kMaxFieldText);
    trim_partial_utf8(out);
    if (!out.empty() && out.back() == ' ') out.pop_back();  // the cut fell after a blank
  }
  return out;
}

std::string cap_line(std::string line) {
  constexpr std::size_t kMaxLine = 990;
  if (line.size() <= kMaxLine) return line;
  line.resize(kMaxLine);
  trim_partial_utf8(line);
  return line;
}

bool is_status_code(std::string_view s) {
  if (s.size() < 5 || (s[0] != '2' && s[0] != '4' && s[0] != '5') || s[1] != '.') return false;
  std::size_t i = 2;
  for (int part = 0; part < 2; ++part) {
    const std::size_t start = i;
    while (i < s.size() && core::is_digit(s[i])) ++i;
    if (i == start || i - start > 3) return false;
    if (part == 0) {
      if (i >= s.size() || s[i] != '.') return false;
      ++i;
    }
  }
  return i == s.size();
}

std::string address_field(std::string_view address, bool global) {
  if (global && !is_ascii(address)) return "utf-8; " + one_line(address, true);
  return "rfc822; " + one_line(address, false);
}

std::string original_recipient(std::string_view orcpt, bool global) {
  const auto semi = orcpt.find(';');
  if (semi == std::string_view::npos) return one_line(orcpt, global);
  const std::string_view type = orcpt.substr(0, semi);
  const std::string_view value = orcpt.substr(semi + 1);
  const auto decoded = decode_xtext(value);
  // Decoded octets that are not UTF-8 (or, outside a global DSN, not ASCII) say less than the
  // xtext itself, which is then reported as sent.
  const bool usable = decoded && (global ? core::is_valid_utf8(*decoded) : is_ascii(*decoded));
  return one_line(type, false) + "; " + one_line(usable ? *decoded : std::string(value), global);
}

std::string diagnostic_field(std::string_view diagnostic, bool global) {
  const bool smtp = diagnostic.size() >= 3 && core::is_digits(diagnostic.substr(0, 3)) &&
                    (diagnostic.size() == 3 || diagnostic[3] == ' ' || diagnostic[3] == '-');
  return (smtp ? "smtp; " : "X-Stsrelay; ") + one_line(diagnostic, global);
}

}  // namespace stsrelay::queue
