#include "smtp/mime_entity.hpp"

#include "smtp/crlf_lines.hpp"
#include "src/core/ascii.hpp"

namespace stsrelay::smtp {
namespace {

// RFC 2046 §5.1.1 allows 70; longer ones are seen in the wild, absurd ones are refused.
constexpr std::size_t kMaxBoundary = 200;

enum class Delimiter { none, open, close };

// RFC 2046 §5.1.1: dash-boundary transport-padding CRLF, or the close delimiter.
Delimiter classify(std::string_view line, std::string_view boundary) {
  if (!line.starts_with("--") || !line.substr(2).starts_with(boundary)) return Delimiter::none;
  line.remove_prefix(2 + boundary.size());
  // Whatever follows "--boundary--" on its line is padding or junk before the epilogue.
  if (line.starts_with("--")) return Delimiter::close;
  for (char c : line) {
    if (!core::is_wsp(c)) return Delimiter::none;  // "--boundaryX" is content
  }
  return Delimiter::open;
}

class Parser {
 public:
  Parser(std::string_view message, std::size_t max_depth)
      : message_(message), max_depth_(max_depth) {}

  MimeEntity parse(ByteRange range, std::size_t depth, bool message_root, bool digest_part) {
    MimeEntity e;
    e.message_root = message_root;
    e.whole = range;
    e.header = parse_header(range.of(message_), range.begin);
    e.body = {e.header.body_begin, range.end};
    if (const HeaderField* f = find_field(e.header.fields, "Content-Type")) {
      e.content_type_written = true;
      e.content_type = parse_content_type(f->value());
    } else if (digest_part) {
      e.content_type = ContentType{"message", "rfc822", {}};  // RFC 2046 §5.1.5
    }
    if (const HeaderField* f = find_field(e.header.fields, "Content-Transfer-Encoding")) {
      e.encoding = parse_transfer_encoding(f->value());
    }
    if (e.encoding == TransferEncoding::base64 ||
        e.encoding == TransferEncoding::quoted_printable || !e.content_type) {
      return e;
    }
    const ContentType& type = *e.content_type;
    if (type.type == "multipart") {
      e.kind = EntityKind::opaque;
      const std::string_view boundary = type.parameter("boundary");
      if (depth < max_depth_ && !boundary.empty() && boundary.size() <= kMaxBoundary) {
        e.boundary = boundary;
        split_parts(e, depth, type.subtype == "digest");
      }
    } else if (type.type == "message") {
      e.kind = EntityKind::opaque;
      if (depth < max_depth_ && (type.subtype == "rfc822" || type.subtype == "global")) {
        e.kind = EntityKind::message;
        e.children.push_back(parse(e.body, depth + 1, true, false));
      }
    }
    return e;
  }

 private:
  // Finds the delimiter lines of `e`'s body and parses each part between them; leaves `e`
  // opaque when the boundary never occurs.
  void split_parts(MimeEntity& e, std::size_t depth, bool digest) {
    const std::string_view scope = message_.substr(0, e.body.end);
    std::size_t part_begin = e.body.begin;
    for (std::size_t pos = e.body.begin; pos < e.body.end;) {
      const CrlfLine line = line_at(scope, pos);
      pos = line.next;
      const Delimiter kind = classify(scope.substr(line.begin, line.size()), e.boundary);
      if (kind == Delimiter::none) continue;
      if (e.delimiters.empty()) {
        e.preamble = {e.body.begin, line.begin};
      } else {
        // The CRLF before the delimiter is the delimiter's (RFC 2046 §5.1.1); a part right
        // after the previous delimiter line is empty.
        const std::size_t end = line.begin > part_begin ? line.begin - 2 : part_begin;
        add_part(e, {part_begin, end}, depth, digest);
      }
      e.delimiters.push_back({line.begin, line.end});
      if (kind == Delimiter::close) {
        e.closed = true;
        e.epilogue = {line.next, e.body.end};
        break;
      }
      part_begin = line.next;
    }
    if (e.delimiters.empty()) return;
    if (!e.closed) add_part(e, {part_begin, e.body.end}, depth, digest);  // runs to the end
    e.kind = EntityKind::multipart;
  }

  void add_part(MimeEntity& e, ByteRange range, std::size_t depth, bool digest) {
    e.children.push_back(parse(range, depth + 1, false, digest));
  }

  std::string_view message_;
  std::size_t max_depth_;
};

}  // namespace

bool MimeEntity::is_text() const { return !content_type || content_type->type == "text"; }

MimeEntity parse_mime(std::string_view message, std::size_t max_depth) {
  return Parser(message, max_depth).parse({0, message.size()}, 0, true, false);
}

}  // namespace stsrelay::smtp
