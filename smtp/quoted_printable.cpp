#include "smtp/quoted_printable.hpp"

#include <algorithm>

#include "smtp/crlf_lines.hpp"
#include "src/core/ascii.hpp"

namespace stsrelay::smtp {
namespace {

constexpr char kHexDigits[] = "0123456789ABCDEF";

// Lays encoded tokens (one character, or an =XX triplet) out on lines of at most `max`
// characters, inserting soft line breaks between tokens only.
class LineWriter {
 public:
  LineWriter(std::string& out, std::size_t max) : out_(out), max_(std::max<std::size_t>(max, 4)) {}

  // `ends_line`: a hard line break or the end of the data follows this token, so it may use the
  // last column; any other token must leave room for the "=" of a soft break.
  void put(std::string_view token, bool ends_line) {
    const std::size_t limit = ends_line ? max_ : max_ - 1;
    if (column_ > 0 && column_ + token.size() > limit) {
      out_ += "=\r\n";  // §6.7 (5) soft line break
      column_ = 0;
      // A soft break makes a new line start: one beginning "--" could pass for a boundary
      // delimiter of an enclosing multipart (RFC 2046 §5.1.1), so its "-" is written =2D.
      if (token == "-") token = "=2D";
    }
    out_ += token;
    column_ += token.size();
  }

  void put_octet(char c, bool literal, bool ends_line) {
    if (literal) {
      put(std::string_view(&c, 1), ends_line);
      return;
    }
    const auto u = static_cast<unsigned char>(c);
    const char triplet[3] = {'=', kHexDigits[u >> 4], kHexDigits[u & 0x0f]};
    put(std::string_view(triplet, 3), ends_line);
  }

  void hard_break() {
    out_ += "\r\n";
    column_ = 0;
  }

 private:
  std::string& out_;
  std::size_t max_;
  std::size_t column_ = 0;
};

// §6.7 (2) literal representation: 33-60 and 62-126.
constexpr bool is_qp_literal(char c) { return core::is_vchar(c) && c != '='; }

// The length of the encoded token at line[i]: an =XX triplet, a malformed "=" with the octet
// after it (kept together so a soft break never lands between them), or one character.
std::size_t token_length(std::string_view line, std::size_t i) {
  if (line[i] != '=' || i + 1 >= line.size()) return 1;
  if (i + 2 < line.size() && core::is_hex(line[i + 1]) && core::is_hex(line[i + 2])) return 3;
  return 2;
}

std::string_view trim_trailing_wsp(std::string_view s) {
  while (!s.empty() && core::is_wsp(s.back())) s.remove_suffix(1);
  return s;
}

}  // namespace

std::string encode_quoted_printable(std::string_view data, QpLineBreaks breaks) {
  std::string out;
  out.reserve(data.size() + data.size() / 8 + 16);
  LineWriter writer(out, kQpLineLength);
  for (std::size_t pos = 0; pos < data.size();) {
    const CrlfLine line = line_at(data, pos);
    const std::string_view text = data.substr(line.begin, line.size());
    const bool hard = breaks == QpLineBreaks::hard || line.next == data.size();
    // The text ends an encoded line: a hard break or the end of the data follows it.
    const bool ends_line = !line.has_crlf() || hard;
    for (std::size_t i = 0; i < text.size(); ++i) {
      const char c = text[i];
      const bool last = ends_line && i + 1 == text.size();
      // §6.7 (3): SP and HTAB are literal unless they would end an encoded line.
      const bool literal = is_qp_literal(c) || (core::is_wsp(c) && !last);
      writer.put_octet(c, literal, last);
    }
    if (line.has_crlf() && hard) {
      writer.hard_break();
    } else if (line.has_crlf()) {  // §6.7 (4): no hard line breaks in non-text data
      writer.put_octet('\r', false, false);
      writer.put_octet('\n', false, false);
    }
    pos = line.next;
  }
  return out;
}

std::optional<std::string> decode_quoted_printable(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (std::size_t pos = 0; pos < text.size();) {
    const CrlfLine line = line_at(text, pos);
    const std::string_view encoded = trim_trailing_wsp(text.substr(line.begin, line.size()));
    bool soft = false;
    for (std::size_t i = 0; i < encoded.size(); ++i) {
      const char c = encoded[i];
      if (c == '=') {
        if (i + 1 == encoded.size()) {
          soft = true;
        } else if (token_length(encoded, i) == 3) {
          out += static_cast<char>(core::hex_value(encoded[i + 1]) * 16 +
                                   core::hex_value(encoded[i + 2]));
          i += 2;
        } else {
          return std::nullopt;
        }
      } else if (core::is_printable(c) || c == '\t') {
        out += c;
      } else {
        return std::nullopt;
      }
    }
    if (line.has_crlf() && !soft) out += "\r\n";
    pos = line.next;
  }
  return out;
}

std::string soft_break_quoted_printable(std::string_view text, std::size_t max_line) {
  std::string out;
  out.reserve(text.size() + text.size() / 32 + 16);
  for (std::size_t pos = 0; pos < text.size();) {
    const CrlfLine line = line_at(text, pos);
    pos = line.next;
    if (line.size() <= max_line) {
      out.append(text.substr(line.begin, line.next - line.begin));
      continue;
    }
    // WSP at the end of an encoded line is transport padding that decoders delete (§6.7 (3));
    // it is dropped here so that a soft break cannot turn it into data.
    const std::string_view encoded = trim_trailing_wsp(text.substr(line.begin, line.size()));
    LineWriter writer(out, max_line);
    for (std::size_t i = 0; i < encoded.size();) {
      const std::size_t n = token_length(encoded, i);
      writer.put(encoded.substr(i, n), i + n == encoded.size());
      i += n;
    }
    if (line.has_crlf()) writer.hard_break();
  }
  return out;
}

}  // namespace stsrelay::smtp
