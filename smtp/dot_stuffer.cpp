#include "smtp/dot_stuffer.hpp"

#include "smtp/text.hpp"

namespace stsrelay::smtp {

void DotStuffer::end_line(std::string& out) {
  out += "\r\n";
  line_start_ = true;
  pending_cr_ = false;
}

void DotStuffer::feed(std::string_view chunk, std::string& out) {
  out.reserve(out.size() + chunk.size() + chunk.size() / 64 + 8);
  std::size_t i = 0;
  while (i < chunk.size()) {
    const char c = chunk[i];
    if (pending_cr_) {
      end_line(out);  // CRLF, or a bare CR sent as CRLF
      if (c == '\n') {
        ++i;
        continue;
      }
    }
    if (c == '\r') {
      pending_cr_ = true;
      ++i;
      continue;
    }
    if (c == '\n') {  // bare LF
      end_line(out);
      ++i;
      continue;
    }
    if (line_start_ && c == '.') out += '.';
    // Copy the run of ordinary octets up to the next line ending in one go.
    const std::size_t end = find_line_break(chunk, i);
    const std::size_t stop = end == std::string_view::npos ? chunk.size() : end;
    out.append(chunk.substr(i, stop - i));
    line_start_ = false;
    i = stop;
  }
}

void DotStuffer::finish(std::string& out) {
  if (pending_cr_ || !line_start_) end_line(out);
  out += ".\r\n";
}

std::string dot_stuff(std::string_view content) {
  DotStuffer stuffer;
  std::string out;
  stuffer.feed(content, out);
  stuffer.finish(out);
  return out;
}

}  // namespace stsrelay::smtp
