// Fuzz target: making long lines deliverable (smtp/long_lines.hpp), with the MIME parser, the
// quoted-printable code and the line breaking under it. Input: any bytes, made into what the
// DATA reader hands on first (each bare CR or LF becomes CRLF, and a final CRLF is added).
// Invariants: no crash; a message without a line over 998 comes back unchanged and the report
// says nothing was done; a changed message has no line over 998; an unchanged one with long
// lines is DKIM-signed; when nothing had to be broken by force, the MIME tree keeps its leaves,
// each re-encoded body decodes to exactly the original octets, every body without a long line
// is left byte for byte, and fixing the result again changes nothing.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>
#include <vector>

#include "smtp/crlf_lines.hpp"
#include "smtp/long_lines.hpp"
#include "smtp/mime_entity.hpp"
#include "smtp/quoted_printable.hpp"

using namespace stsrelay::smtp;

namespace {

std::string crlf_lines(std::string_view in) {
  std::string out;
  out.reserve(in.size() + 2);
  for (std::size_t i = 0; i < in.size(); ++i) {
    if (in[i] == '\r' && i + 1 < in.size() && in[i + 1] == '\n') {
      out += "\r\n";
      ++i;
    } else if (in[i] == '\r' || in[i] == '\n') {
      out += "\r\n";
    } else {
      out += in[i];
    }
  }
  if (!out.empty() && !out.ends_with("\r\n")) out += "\r\n";
  return out;
}

void leaves(const MimeEntity& e, std::vector<const MimeEntity*>& out) {
  if (e.kind == EntityKind::leaf || e.kind == EntityKind::opaque) out.push_back(&e);
  for (const MimeEntity& child : e.children) leaves(child, out);
}

std::string without_crlf(std::string_view s) {
  std::string out;
  for (char c : s) {
    if (c != '\r' && c != '\n') out += c;
  }
  return out;
}

// The body of a leaf that had a long line, before and after.
void check_reencoded(const MimeEntity& a, std::string_view a_body, const MimeEntity& b,
                     std::string_view b_body) {
  if (b.encoding == TransferEncoding::base64) {
    if (without_crlf(a_body) != without_crlf(b_body)) std::abort();
  } else if (b.encoding == TransferEncoding::quoted_printable) {
    const auto decoded = decode_quoted_printable(b_body);
    if (a.encoding != TransferEncoding::quoted_printable) {
      if (decoded != a_body) std::abort();
    } else if (const auto before = decode_quoted_printable(a_body); before && decoded != before) {
      std::abort();
    }
  }
}

void check_structure(std::string_view in, std::string_view out) {
  const MimeEntity in_root = parse_mime(in);
  const MimeEntity out_root = parse_mime(out);
  std::vector<const MimeEntity*> a, b;
  leaves(in_root, a);
  leaves(out_root, b);
  if (a.size() != b.size()) std::abort();
  for (std::size_t i = 0; i < a.size(); ++i) {
    if (a[i]->kind != b[i]->kind) std::abort();
    const std::string_view a_body = a[i]->body.of(in);
    const std::string_view b_body = b[i]->body.of(out);
    if (!has_line_longer_than(a_body)) {
      if (a_body != b_body) std::abort();
    } else {
      check_reencoded(*a[i], a_body, *b[i], b_body);
    }
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string message =
      crlf_lines(std::string_view(reinterpret_cast<const char*>(data), size));
  const LongLineFix fix = fix_long_lines(message);
  const LongLineReport& r = fix.report;
  if (describe(r).empty()) std::abort();
  if (!has_line_longer_than(message)) {
    if (fix.message || !(r == LongLineReport{})) std::abort();
    return 0;
  }
  if (!r.had_long_lines) std::abort();
  if (!fix.message) {
    if (!r.left_long_signed) std::abort();
    return 0;
  }
  if (r.left_long_signed || has_line_longer_than(*fix.message)) std::abort();
  if (!fix.message->empty() && !fix.message->ends_with("\r\n")) std::abort();
  if (fix_long_lines(*fix.message).message) std::abort();
  if (r.header_lines_broken == 0 && r.body_lines_broken == 0) check_structure(message, *fix.message);
  return 0;
}
