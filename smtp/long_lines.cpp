#include "smtp/long_lines.hpp"

#include <algorithm>
#include <utility>
#include <vector>

#include "smtp/crlf_lines.hpp"
#include "smtp/line_breaking.hpp"
#include "smtp/mime_entity.hpp"
#include "smtp/quoted_printable.hpp"
#include "src/core/ascii.hpp"
#include "src/core/utf8.hpp"

namespace stsrelay::smtp {
namespace {

constexpr std::string_view kQpField = "Content-Transfer-Encoding: quoted-printable\r\n";

// Walks the parsed message and collects replacements of byte ranges, in message order.
class Fixer {
 public:
  Fixer(std::string_view message, LongLineReport& report) : message_(message), report_(report) {}

  void entity(const MimeEntity& e) {
    switch (e.kind) {
      case EntityKind::leaf:
        leaf(e);
        return;
      case EntityKind::multipart:
        header(e, false);
        multipart(e);
        return;
      case EntityKind::message:
        header(e, false);
        for (const MimeEntity& child : e.children) entity(child);
        return;
      case EntityKind::opaque:
        header(e, false);
        hard_break(e.body);
        return;
    }
  }

  std::string apply() const {
    std::size_t size = message_.size();
    for (const Edit& edit : edits_) size += edit.text.size();
    std::string out;
    out.reserve(size);
    std::size_t cursor = 0;
    for (const Edit& edit : edits_) {
      if (edit.range.begin < cursor) continue;  // overlapping: cannot happen, the walk is ordered
      out.append(message_.substr(cursor, edit.range.begin - cursor)).append(edit.text);
      cursor = edit.range.end;
    }
    out.append(message_.substr(cursor));
    return out;
  }

 private:
  struct Edit {
    ByteRange range;
    std::string text;
  };

  void replace(ByteRange range, std::string text) {
    edits_.push_back({range, std::move(text)});
  }

  enum class BodyFix { none, quoted_printable, base64_rewrap, qp_soft_break, hard_break };

  // What a leaf's body needs (the rules in long_lines.hpp).
  static BodyFix body_fix(const MimeEntity& e, std::string_view body) {
    if (!has_line_longer_than(body)) return BodyFix::none;
    // Without the empty line, where the body starts is a guess that new lines could change.
    if (!e.header.has_separator) return BodyFix::hard_break;
    switch (e.encoding) {
      case TransferEncoding::base64:
        return BodyFix::base64_rewrap;  // RFC 2045 §6.8: decoders ignore line breaks
      case TransferEncoding::quoted_printable:
        return BodyFix::qp_soft_break;
      case TransferEncoding::other:
        return BodyFix::hard_break;  // an encoding we do not know cannot be redone
      case TransferEncoding::absent:
      case TransferEncoding::seven_bit:
      case TransferEncoding::eight_bit:
      case TransferEncoding::binary:
        break;
    }
    return BodyFix::quoted_printable;
  }

  void leaf(const MimeEntity& e) {
    const std::string_view body = e.body.of(message_);
    const BodyFix fix = body_fix(e, body);
    header(e, fix == BodyFix::quoted_printable);
    switch (fix) {
      case BodyFix::none:
        break;
      case BodyFix::quoted_printable:
        replace(e.body, encode_quoted_printable(body, e.is_text() ? QpLineBreaks::hard
                                                                  : QpLineBreaks::encoded));
        ++report_.parts_quoted_printable;
        break;
      case BodyFix::base64_rewrap:
        replace(e.body, rewrap_base64(body));
        ++report_.parts_base64_rewrapped;
        break;
      case BodyFix::qp_soft_break:
        replace(e.body, soft_break_quoted_printable(body));
        ++report_.parts_qp_soft_broken;
        break;
      case BodyFix::hard_break:
        hard_break(e.body);
        break;
    }
  }

  // Folds the long fields of `e`'s header; when its body is being re-encoded, also rewrites
  // its Content-Transfer-Encoding and adds the fields a message needs.
  void header(const MimeEntity& e, bool reencoded) {
    bool wrote_encoding = false;
    for (const HeaderField& field : e.header.fields) {
      const ByteRange range{field.offset, field.offset + field.raw.size()};
      if (reencoded && core::iequals(field.name, "Content-Transfer-Encoding")) {
        replace(range, wrote_encoding ? std::string() : std::string(kQpField));
        wrote_encoding = true;
      } else if (has_line_longer_than(field.raw)) {
        FoldedField folded = fold_field(field.raw);
        if (folded.folds > 0) ++report_.header_fields_folded;
        report_.header_lines_broken += folded.breaks;
        replace(range, std::move(folded.raw));
      }
    }
    if (!reencoded) return;
    std::string added;
    // RFC 2045 §4: a message in a MIME encoding carries MIME-Version.
    if (e.message_root && !find_field(e.header.fields, "MIME-Version")) {
      added += "MIME-Version: 1.0\r\n";
    }
    const std::string_view body = e.body.of(message_);
    if (e.message_root && !e.content_type_written && core::has_non_ascii(body) &&
        core::is_valid_utf8(body)) {
      added += "Content-Type: text/plain; charset=utf-8\r\n";
    }
    if (!wrote_encoding) added += kQpField;
    replace({e.header.header_end, e.header.header_end}, std::move(added));
  }

  void multipart(const MimeEntity& e) {
    hard_break(e.preamble);
    const std::size_t n = std::max(e.delimiters.size(), e.children.size());
    for (std::size_t i = 0; i < n; ++i) {
      if (i < e.delimiters.size() && e.delimiters[i].end - e.delimiters[i].begin > kMaxLineLength) {
        const bool close = e.closed && i + 1 == e.delimiters.size();
        replace(e.delimiters[i], "--" + e.boundary + (close ? "--" : ""));
      }
      if (i < e.children.size()) entity(e.children[i]);
    }
    hard_break(e.epilogue);
  }

  void hard_break(ByteRange range) {
    const std::string_view text = range.of(message_);
    if (!has_line_longer_than(text)) return;
    BrokenText broken = break_long_lines(text);
    report_.body_lines_broken += broken.lines;
    replace(range, std::move(broken.text));
  }

  std::string_view message_;
  LongLineReport& report_;
  std::vector<Edit> edits_;
};

void add_count(std::string& out, std::size_t n, std::string_view noun, std::string_view what) {
  if (n == 0) return;
  out += out.empty() ? "long lines: " : ", ";
  out += std::to_string(n) + " " + std::string(noun) + (n == 1 ? " " : "s ") + std::string(what);
}

}  // namespace

std::string describe(const LongLineReport& report) {
  if (!report.had_long_lines) return "no long lines";
  if (report.left_long_signed) return "long lines: left unchanged, DKIM-signed by the client";
  std::string out;
  add_count(out, report.parts_quoted_printable, "part", "re-encoded quoted-printable");
  add_count(out, report.parts_base64_rewrapped, "base64 part", "re-wrapped");
  add_count(out, report.parts_qp_soft_broken, "quoted-printable part", "soft-broken");
  add_count(out, report.header_fields_folded, "header field", "folded");
  add_count(out, report.header_lines_broken, "header line", "broken");
  add_count(out, report.body_lines_broken, "body line", "broken");
  return out.empty() ? "long lines: rewritten" : out;
}

LongLineFix fix_long_lines(std::string_view message) {
  LongLineFix fix;
  if (!has_line_longer_than(message)) return fix;
  fix.report.had_long_lines = true;
  const MimeEntity root = parse_mime(message);
  // RFC 6376 §3.7: the body hash and the signed header fields would no longer match.
  if (find_field(root.header.fields, "DKIM-Signature")) {
    fix.report.left_long_signed = true;
    return fix;
  }
  Fixer fixer(message, fix.report);
  fixer.entity(root);
  fix.message = fixer.apply();
  return fix;
}

}  // namespace stsrelay::smtp
