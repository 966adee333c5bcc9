#include "src/dkim/canon.hpp"

#include "src/core/ascii.hpp"

namespace stsrelay::dkim {
namespace {

// Appends `text` with each run of SP/HTAB written as one SP; CR and LF are left out (unfolding).
// Runs of other octets are copied whole: bodies are large and mostly such runs.
void append_collapsed(std::string& out, std::string_view text) {
  const auto ordinary = [](char c) { return !core::is_wsp(c) && c != '\r' && c != '\n'; };
  bool in_space = false;
  std::size_t i = 0;
  while (i < text.size()) {
    std::size_t end = i;
    while (end < text.size() && ordinary(text[end])) ++end;
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
  for (std::size_t i = 0; i < out.body.size(); ++i) {
    const char c = out.body[i];
    const bool crlf_cr = c == '\r' && i + 1 < out.body.size() && out.body[i + 1] == '\n';
    const bool crlf_lf = c == '\n' && i > 0 && out.body[i - 1] == '\r';
    if ((c == '\r' && !crlf_cr) || (c == '\n' && !crlf_lf)) {
      return core::Error::invalid("bare CR or LF in the body" +
                                  at(std::size_t(out.body.data() - message.data()) + i));
    }
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

void RelaxedBodyCanon::end_line(std::string& out) {
  if (line_has_content_) {
    out += "\r\n";
  } else {
    ++pending_empty_;  // it stands only if a line with content follows
  }
  line_has_content_ = false;
  in_space_ = false;
}

void RelaxedBodyCanon::feed(std::string_view chunk, std::string& out) {
  const auto ordinary = [](char c) { return !core::is_wsp(c) && c != '\r' && c != '\n'; };
  std::size_t i = 0;
  while (i < chunk.size()) {
    const char c = chunk[i];
    if (pending_cr_) {
      pending_cr_ = false;
      if (c == '\n') {
        end_line(out);
        ++i;
        continue;
      }
      // The CR was bare: relaxed_body() skips it like any CR or LF that is not a CRLF.
    }
    if (ordinary(c)) {
      std::size_t end = i;
      while (end < chunk.size() && ordinary(chunk[end])) ++end;
      if (!line_has_content_) {
        // The empty lines before this one stand now that it has content.
        for (; pending_empty_ > 0; --pending_empty_) out += "\r\n";
      }
      if (in_space_) out += ' ';
      in_space_ = false;
      line_has_content_ = true;
      out.append(chunk.data() + i, end - i);
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
