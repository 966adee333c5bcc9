#include "src/dkim/canon.hpp"

#include <array>

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

#include "src/core/ascii.hpp"

namespace stsrelay::dkim {
namespace {

// The octets canonicalisation looks at (SP, HTAB, CR, LF); every other octet is copied as it is.
// A table: one load per octet of a body instead of four comparisons.
constexpr std::array<bool, 256> kSpecial = [] {
  std::array<bool, 256> table{};
  table[' '] = table['\t'] = table['\r'] = table['\n'] = true;
  return table;
}();

bool ordinary(char c) { return !kSpecial[static_cast<unsigned char>(c)]; }

// The offset of the first octet at or after `from` that is SP, HTAB, CR or LF; text.size() when
// none. Bodies are mostly long runs of other octets (base64 lines have no space at all), so
// with SSE2 (every x86-64) sixteen octets are looked at in one step.
std::size_t next_special(std::string_view text, std::size_t from) {
  std::size_t i = from;
#if defined(__SSE2__)
  const __m128i sp = _mm_set1_epi8(' ');
  const __m128i tab = _mm_set1_epi8('\t');
  const __m128i cr = _mm_set1_epi8('\r');
  const __m128i lf = _mm_set1_epi8('\n');
  for (; i + 16 <= text.size(); i += 16) {
    const __m128i block = _mm_loadu_si128(reinterpret_cast<const __m128i*>(text.data() + i));
    const __m128i hit = _mm_or_si128(
        _mm_or_si128(_mm_cmpeq_epi8(block, sp), _mm_cmpeq_epi8(block, tab)),
        _mm_or_si128(_mm_cmpeq_epi8(block, cr), _mm_cmpeq_epi8(block, lf)));
    const int mask = _mm_movemask_epi8(hit);
    if (mask != 0) return i + static_cast<std::size_t>(__builtin_ctz(static_cast<unsigned>(mask)));
  }
#endif
  while (i < text.size() && ordinary(text[i])) ++i;
  return i;
}

// The offset of the first CR not followed by LF or LF not preceded by CR; npos when none.
std::size_t first_bare_line_end_from(std::string_view text, std::size_t from) {
  for (std::size_t i = from; i < text.size(); ++i) {
    if (text[i] == '\r' && (i + 1 == text.size() || text[i + 1] != '\n')) return i;
    if (text[i] == '\n' && (i == 0 || text[i - 1] != '\r')) return i;
  }
  return std::string_view::npos;
}

// The same, sixteen octets at a time with SSE2: in a body without bare CR or LF, the LFs of a
// block are exactly its CRs moved one place on (with a CR at the end of the previous block
// carried in). The first block where that fails is read octet by octet.
std::size_t first_bare_line_end(std::string_view text) {
  std::size_t i = 0;
#if defined(__SSE2__)
  const __m128i cr = _mm_set1_epi8('\r');
  const __m128i lf = _mm_set1_epi8('\n');
  unsigned carry = 0;  // 1 when the previous block ended in CR
  for (; i + 16 <= text.size(); i += 16) {
    const __m128i block = _mm_loadu_si128(reinterpret_cast<const __m128i*>(text.data() + i));
    const auto crs = static_cast<unsigned>(_mm_movemask_epi8(_mm_cmpeq_epi8(block, cr)));
    const auto lfs = static_cast<unsigned>(_mm_movemask_epi8(_mm_cmpeq_epi8(block, lf)));
    if (lfs != (((crs << 1) | carry) & 0xFFFFu)) {
      // From the octet before the block: a CR carried in may be the bare one.
      return first_bare_line_end_from(text, i == 0 ? 0 : i - 1);
    }
    carry = crs >> 15;
  }
  if (carry != 0 && (i == text.size() || text[i] != '\n')) return i - 1;
#endif
  return first_bare_line_end_from(text, i);
}

// Appends `text` with each run of SP/HTAB written as one SP; CR and LF are left out (unfolding).
// Runs of other octets are copied whole: bodies are large and mostly such runs.
void append_collapsed(std::string& out, std::string_view text) {
  bool in_space = false;
  std::size_t i = 0;
  while (i < text.size()) {
    const std::size_t end = next_special(text, i);
    if (end > i) {
      if (in_space) out += ' ';
      in_space = false;
      out.append(text.data() + i, end - i);
      i = end;
      continue;
    }
    if (core::is_wsp(text[i])) in_space = true;
    ++i;
  }
  // A trailing run is dropped: RFC 6376 §3.4.2 deletes whitespace at the end of the value and
  // §3.4.4 at the end of a body line.
}

std::string at(std::size_t offset) { return " at byte " + std::to_string(offset); }

}  // namespace

core::Result<SplitMessage> split_message(std::string_view message) {
  SplitMessage out;
  std::size_t pos = 0;
  std::size_t field_start = std::string_view::npos;
  auto close_field = [&](std::size_t end) {
    if (field_start == std::string_view::npos) return;
    const std::string_view raw = message.substr(field_start, end - field_start);
    std::string_view name = raw.substr(0, raw.find(':'));
    while (!name.empty() && core::is_wsp(name.back())) name.remove_suffix(1);
    out.headers.push_back({name, raw});
    field_start = std::string_view::npos;
  };
  if (message.empty()) return core::Error::invalid("empty message");
  while (true) {
    const std::size_t eol = message.find("\r\n", pos);
    if (eol == std::string_view::npos) {
      return core::Error::invalid("the header section does not end with CRLF" + at(pos));
    }
    const std::string_view line = message.substr(pos, eol - pos);
    if (const auto bare = line.find_first_of("\r\n"); bare != std::string_view::npos) {
      return core::Error::invalid("bare CR or LF in the header section" + at(pos + bare));
    }
    if (line.empty()) {  // the empty line between header and body
      close_field(pos - 2);
      out.body = message.substr(eol + 2);
      break;
    }
    if (core::is_wsp(line.front())) {
      if (field_start == std::string_view::npos) {
        return core::Error::invalid("continuation line before the first header field" + at(pos));
      }
    } else {
      close_field(pos - 2);
      const auto colon = line.find(':');
      std::string_view name = line.substr(0, colon);
      while (!name.empty() && core::is_wsp(name.back())) name.remove_suffix(1);
      if (colon == std::string_view::npos || name.empty()) {
        return core::Error::invalid("header line without a field name and colon" + at(pos));
      }
      field_start = pos;
    }
    pos = eol + 2;
    if (pos == message.size()) {  // headers only, no empty line and no body
      close_field(eol);
      break;
    }
  }
  // Every CR in the body must start a CRLF and every LF end one: the canonical form is defined
  // on CRLF lines, and SMTP would change a bare one in transit.
  if (const auto bare = first_bare_line_end(out.body); bare != std::string_view::npos) {
    return core::Error::invalid("bare CR or LF in the body" +
                                at(std::size_t(out.body.data() - message.data()) + bare));
  }
  return out;
}

std::string relaxed_header(std::string_view raw_field) {
  const auto colon = raw_field.find(':');
  std::string out;
  out.reserve(raw_field.size());
  for (char c : raw_field.substr(0, colon)) {
    if (core::is_wsp(c) || c == '\r' || c == '\n') continue;
    out += core::ascii_lower(c);
  }
  out += ':';
  if (colon == std::string_view::npos) return out;
  std::string_view value = raw_field.substr(colon + 1);
  // Whitespace (and folding) after the colon is deleted, not reduced to a space.
  while (!value.empty() && (core::is_wsp(value.front()) || value.front() == '\r' ||
                            value.front() == '\n')) {
    value.remove_prefix(1);
  }
  append_collapsed(out, value);
  return out;
}

namespace {

// The output of RelaxedBodyCanon::feed() as spans of its input: most of a body is its own
// canonical form (single spaces between words, CRLF right after the last word of a line), so
// contiguous pieces are appended as one span instead of word by word.
class SpanWriter {
 public:
  SpanWriter(std::string_view input, std::string& out) : input_(input), out_(out) {}
  ~SpanWriter() { flush(); }
  SpanWriter(const SpanWriter&) = delete;
  SpanWriter& operator=(const SpanWriter&) = delete;

  // The next output is input_[pos, pos + len).
  void take(std::size_t pos, std::size_t len) {
    if (len_ > 0 && pos == start_ + len_) {
      len_ += len;
      return;
    }
    flush();
    start_ = pos;
    len_ = len;
  }
  // The next output is `text`, which is not where the input is.
  void write(std::string_view text) {
    flush();
    out_.append(text);
  }

 private:
  void flush() {
    if (len_ > 0) out_.append(input_.data() + start_, len_);
    len_ = 0;
  }

  std::string_view input_;
  std::string& out_;
  std::size_t start_ = 0;
  std::size_t len_ = 0;
};

}  // namespace

void RelaxedBodyCanon::feed(std::string_view chunk, std::string& out) {
  SpanWriter writer(chunk, out);
  std::size_t i = 0;
  while (i < chunk.size()) {
    const char c = chunk[i];
    if (pending_cr_) {
      pending_cr_ = false;
      if (c == '\n') {
        if (line_has_content_) {
          // The CRLF itself when its CR is in this chunk.
          if (i > 0) {
            writer.take(i - 1, 2);
          } else {
            writer.write("\r\n");
          }
        } else {
          ++pending_empty_;  // it stands only if a line with content follows
        }
        line_has_content_ = false;
        in_space_ = false;
        ++i;
        continue;
      }
      // The CR was bare: relaxed_body() skips it like any CR or LF that is not a CRLF.
    }
    if (ordinary(c)) {
      const std::size_t end = next_special(chunk, i);
      if (!line_has_content_) {
        // The empty lines before this one stand now that it has content.
        for (; pending_empty_ > 0; --pending_empty_) writer.write("\r\n");
      }
      if (in_space_) {
        // One SP for the run of whitespace: its last octet when that is a SP of this chunk.
        if (i > 0 && chunk[i - 1] == ' ') {
          writer.take(i - 1, 1);
        } else {
          writer.write(" ");
        }
      }
      in_space_ = false;
      line_has_content_ = true;
      writer.take(i, end - i);
      i = end;
      continue;
    }
    if (c == '\r') {
      pending_cr_ = true;
    } else if (core::is_wsp(c)) {
      in_space_ = true;  // written as one SP only if content follows on this line
    }
    ++i;  // a bare LF is skipped
  }
}

void RelaxedBodyCanon::finish(std::string& out) {
  pending_cr_ = false;  // a CR at the very end is bare
  if (line_has_content_) out += "\r\n";  // §3.4.4: a last line without CRLF gets one
  line_has_content_ = false;
  in_space_ = false;
  pending_empty_ = 0;
}

std::string relaxed_body(std::string_view body) {
  std::string out;
  out.reserve(body.size());
  RelaxedBodyCanon canon;
  canon.feed(body, out);
  canon.finish(out);
  return out;
}

}  // namespace stsrelay::dkim
