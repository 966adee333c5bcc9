#include "smtp/line_breaking.hpp"

#include <algorithm>

#include "src/core/ascii.hpp"

namespace stsrelay::smtp {
namespace {

// RFC 2045 §6.8: encoded lines of no more than 76 characters.
constexpr std::size_t kBase64LineLength = 76;

// Folds one line of a field (`text`, without CRLF) into `out`. Returns whether a forced break
// was needed.
bool fold_line(std::string_view text, std::size_t first_fold, std::size_t limit,
               FoldedField& out) {
  const std::size_t last_text = text.find_last_not_of(" \t");
  // A fold goes before the first WSP of a run that some text follows.
  auto is_fold_point = [&](std::size_t p) {
    return p >= first_fold && p < last_text && core::is_wsp(text[p]) && !core::is_wsp(text[p - 1]);
  };
  const std::size_t width = std::min(kFoldLength, limit);
  bool broke = false;
  std::size_t cur = 0;
  std::size_t inserted = 0;  // 1 when the current line begins with an inserted SP
  while (inserted + text.size() - cur > width) {
    // The last fold point that keeps this line within 78, else the first one within `limit`.
    std::size_t fold = std::string_view::npos;
    const std::size_t reach = std::min(text.size(), cur + limit - inserted + 1);
    for (std::size_t p = cur + 1; p < reach; ++p) {
      if (!is_fold_point(p)) continue;
      if (inserted + p - cur > width) {
        if (fold == std::string_view::npos) fold = p;
        break;
      }
      fold = p;
    }
    if (fold != std::string_view::npos) {
      out.raw.append(text.substr(cur, fold - cur)).append("\r\n");
      cur = fold;
      inserted = 0;
      ++out.folds;
    } else if (inserted + text.size() - cur > limit) {
      const std::size_t cut = cur + limit - inserted;
      out.raw.append(text.substr(cur, cut - cur)).append("\r\n ");
      cur = cut;
      inserted = 1;
      broke = true;
    } else {
      break;  // over 78 but within the limit, with nowhere to fold
    }
  }
  out.raw.append(text.substr(cur));
  return broke;
}

}  // namespace

FoldedField fold_field(std::string_view raw, std::size_t limit) {
  FoldedField out;
  limit = std::max<std::size_t>(limit, 2);
  out.raw.reserve(raw.size() + raw.size() / 32 + 8);
  for (std::size_t pos = 0; pos < raw.size();) {
    const CrlfLine line = line_at(raw, pos);
    const std::string_view text = raw.substr(line.begin, line.size());
    if (text.size() <= limit) {
      out.raw.append(raw.substr(line.begin, line.next - line.begin));
    } else {
      // On the field's first line, only after the colon: the name cannot be folded.
      const std::size_t colon = pos == 0 ? text.find(':') : 0;
      const std::size_t first_fold = colon == std::string_view::npos ? text.size() : colon + 1;
      if (fold_line(text, std::max<std::size_t>(first_fold, 1), limit, out)) ++out.breaks;
      if (line.has_crlf()) out.raw.append("\r\n");
    }
    pos = line.next;
  }
  return out;
}

BrokenText break_long_lines(std::string_view text, std::size_t limit) {
  BrokenText out;
  limit = std::max<std::size_t>(limit, 2);
  out.text.reserve(text.size() + text.size() / limit * 2 + 8);
  for (std::size_t pos = 0; pos < text.size();) {
    const CrlfLine line = line_at(text, pos);
    pos = line.next;
    if (line.size() <= limit) {
      out.text.append(text.substr(line.begin, line.next - line.begin));
      continue;
    }
    ++out.lines;
    std::size_t cur = line.begin;
    while (line.end - cur > limit) {
      std::size_t cut = cur + limit;
      // Move the cut back over a run of "-" (by at most half a line), so that the next piece
      // does not start with one.
      std::size_t back = cut;
      while (back > cur + limit / 2 && text[back] == '-') --back;
      if (text[back] != '-') cut = back;
      out.text.append(text.substr(cur, cut - cur)).append("\r\n");
      cur = cut;
    }
    out.text.append(text.substr(cur, line.next - cur));
  }
  return out;
}

std::string rewrap_base64(std::string_view body) {
  std::string out;
  out.reserve(body.size() + body.size() / kBase64LineLength * 2 + 2);
  std::size_t column = 0;
  for (char c : body) {
    if (c == '\r' || c == '\n') continue;
    // A "-" (not base64, but kept) does not start a line while the line may grow: see above.
    if (column >= kBase64LineLength && (c != '-' || column >= kMaxLineLength)) {
      out.append("\r\n");
      column = 0;
    }
    out += c;
    ++column;
  }
  if (column > 0 && body.ends_with("\r\n")) out.append("\r\n");
  return out;
}

}  // namespace stsrelay::smtp
