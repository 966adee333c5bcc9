#include "smtp/mime_header.hpp"

#include "smtp/crlf_lines.hpp"
#include "src/core/ascii.hpp"

namespace stsrelay::smtp {
namespace {

// RFC 5322 §3.6.8 ftext: printable ASCII except the colon.
constexpr bool is_ftext(char c) { return core::is_vchar(c) && c != ':'; }

// The name of a field line ("Name:" or the obsolete "Name :"), or "" when `line` is not one.
std::string_view field_name(std::string_view line) {
  std::size_t i = 0;
  while (i < line.size() && is_ftext(line[i])) ++i;
  const std::size_t name_end = i;
  while (i < line.size() && core::is_wsp(line[i])) ++i;
  if (name_end == 0 || i >= line.size() || line[i] != ':') return {};
  return line.substr(0, name_end);
}

// RFC 2045 §5.1 tspecials; a token is any other printable non-space ASCII.
constexpr bool is_tspecial(char c) {
  return c == '(' || c == ')' || c == '<' || c == '>' || c == '@' || c == ',' || c == ';' ||
         c == ':' || c == '\\' || c == '"' || c == '/' || c == '[' || c == ']' || c == '?' ||
         c == '=';
}
constexpr bool is_token_char(char c) { return core::is_vchar(c) && !is_tspecial(c); }
// Whitespace of a folded value: CR and LF only occur as the folding CRLF.
constexpr bool is_space(char c) { return core::is_wsp(c) || c == '\r' || c == '\n'; }

// A cursor over a structured field value (RFC 5322 §3.2.2 CFWS).
class Scanner {
 public:
  explicit Scanner(std::string_view s) : s_(s) {}
  bool done() const { return i_ >= s_.size(); }
  char peek() const { return done() ? '\0' : s_[i_]; }
  void advance() { ++i_; }

  // Skips whitespace and comments; comments nest and hold quoted-pairs. An unclosed comment
  // runs to the end.
  void skip_cfws() {
    while (!done()) {
      if (is_space(s_[i_])) {
        ++i_;
      } else if (s_[i_] == '(') {
        int depth = 0;
        do {
          if (s_[i_] == '\\') ++i_;
          else if (s_[i_] == '(') ++depth;
          else if (s_[i_] == ')') --depth;
          ++i_;
        } while (!done() && depth > 0);
      } else {
        return;
      }
    }
  }

  std::string_view token() { return take_while(is_token_char); }

  // A parameter value: a quoted-string (unclosed: to the end), or the lenient unquoted run.
  std::string value() {
    if (peek() != '"') {
      return std::string(take_while([](char c) {
        return !is_space(c) && c != ';' && c != '"' && c != '(';
      }));
    }
    std::string out;
    for (++i_; !done() && s_[i_] != '"'; ++i_) {
      if (s_[i_] == '\\' && i_ + 1 < s_.size()) {
        out += s_[++i_];
      } else if (s_[i_] != '\r' && s_[i_] != '\n') {  // unfolding keeps the WSP only
        out += s_[i_];
      }
    }
    if (!done()) ++i_;  // the closing quote
    return out;
  }

  // Skips past the next ';' (or to the end): recovery from a malformed parameter.
  void skip_parameter() {
    while (!done() && s_[i_] != ';') {
      if (s_[i_] == '"') {
        value();
      } else {
        ++i_;
      }
    }
  }

 private:
  template <typename Pred>
  std::string_view take_while(Pred pred) {
    const std::size_t start = i_;
    while (!done() && pred(s_[i_])) ++i_;
    return s_.substr(start, i_ - start);
  }

  std::string_view s_;
  std::size_t i_ = 0;
};

}  // namespace

std::string_view HeaderField::value() const {
  std::string_view v = raw.substr(raw.find(':') + 1);
  if (v.ends_with("\r\n")) v.remove_suffix(2);
  return v;
}

HeaderBlock parse_header(std::string_view entity, std::size_t base) {
  HeaderBlock out;
  std::size_t pos = 0;
  while (pos < entity.size()) {
    const CrlfLine line = line_at(entity, pos);
    const std::string_view text = entity.substr(line.begin, line.size());
    if (text.empty()) {  // the empty line (RFC 5322 §2.1)
      out.header_end = base + pos;
      out.body_begin = base + line.next;
      out.has_separator = true;
      return out;
    }
    if (core::is_wsp(text.front()) && !out.fields.empty()) {
      HeaderField& last = out.fields.back();
      last.raw = entity.substr(last.offset - base, line.next - (last.offset - base));
    } else if (const std::string_view name = field_name(text); !name.empty()) {
      out.fields.push_back({name, entity.substr(pos, line.next - pos), base + pos});
    } else {
      break;  // neither field nor continuation: the body starts here
    }
    pos = line.next;
  }
  out.header_end = out.body_begin = base + pos;
  return out;
}

const HeaderField* find_field(const std::vector<HeaderField>& fields, std::string_view name) {
  for (const HeaderField& field : fields) {
    if (core::iequals(field.name, name)) return &field;
  }
  return nullptr;
}

std::string_view ContentType::parameter(std::string_view name) const {
  for (const auto& [key, value] : parameters) {
    if (key == name) return value;
  }
  return {};
}

std::optional<ContentType> parse_content_type(std::string_view value) {
  Scanner in(value);
  ContentType out;
  in.skip_cfws();
  out.type = core::to_lower_ascii(in.token());
  in.skip_cfws();
  if (in.peek() != '/') return std::nullopt;
  in.advance();
  in.skip_cfws();
  out.subtype = core::to_lower_ascii(in.token());
  if (out.type.empty() || out.subtype.empty()) return std::nullopt;
  while (true) {
    in.skip_cfws();
    if (in.done()) break;
    if (in.peek() != ';') {  // junk after type/subtype or after a value
      in.skip_parameter();
      continue;
    }
    in.advance();
    in.skip_cfws();
    std::string name = core::to_lower_ascii(in.token());
    in.skip_cfws();
    if (name.empty() || in.peek() != '=') {
      in.skip_parameter();
      continue;
    }
    in.advance();
    in.skip_cfws();
    std::string v = in.value();
    if (out.parameter(name).empty()) out.parameters.emplace_back(std::move(name), std::move(v));
  }
  return out;
}

TransferEncoding parse_transfer_encoding(std::string_view value) {
  Scanner in(value);
  in.skip_cfws();
  const std::string_view token = in.token();
  // RFC 2045 §6.1: the mechanism names are case-insensitive.
  if (core::iequals(token, "7bit")) return TransferEncoding::seven_bit;
  if (core::iequals(token, "8bit")) return TransferEncoding::eight_bit;
  if (core::iequals(token, "binary")) return TransferEncoding::binary;
  if (core::iequals(token, "quoted-printable")) return TransferEncoding::quoted_printable;
  if (core::iequals(token, "base64")) return TransferEncoding::base64;
  return TransferEncoding::other;
}

std::string_view to_string(TransferEncoding encoding) {
  switch (encoding) {
    case TransferEncoding::absent: return "";
    case TransferEncoding::seven_bit: return "7bit";
    case TransferEncoding::eight_bit: return "8bit";
    case TransferEncoding::binary: return "binary";
    case TransferEncoding::quoted_printable: return "quoted-printable";
    case TransferEncoding::base64: return "base64";
    case TransferEncoding::other: return "other";
  }
  return "other";
}

}  // namespace stsrelay::smtp
