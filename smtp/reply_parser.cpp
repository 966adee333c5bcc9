#include "smtp/reply_parser.hpp"

#include "src/core/ascii.hpp"

namespace stsrelay::smtp {
namespace {

// RFC 3463 §2: class "." subject "." detail, subject and detail 1-3 digits; followed by SP or
// the end of the line. Returns its length, or 0.
std::size_t enhanced_code_length(std::string_view text, char klass) {
  if (text.size() < 5 || text[0] != klass || text[1] != '.') return 0;
  std::size_t i = 2;
  for (int part = 0; part < 2; ++part) {
    const std::size_t start = i;
    while (i < text.size() && core::is_digit(text[i]) && i - start < 4) ++i;
    const std::size_t digits = i - start;
    if (digits < 1 || digits > 3) return 0;
    if (part == 0) {
      if (i >= text.size() || text[i] != '.') return 0;
      ++i;
    }
  }
  if (i < text.size() && text[i] != ' ') return 0;
  return i;
}

}  // namespace

ReplyStep ReplyParser::fail(std::string reason) {
  error_ = std::move(reason);
  partial_.clear();
  partial_.shrink_to_fit();
  texts_.clear();
  return ReplyError{error_};
}

bool ReplyParser::take_line(std::string_view line, bool& last) {
  if (line.size() < 3 || !core::is_digits(line.substr(0, 3)) || line[0] < '2' || line[0] > '5' ||
      line[1] > '5') {
    error_ = "malformed reply line (no reply code)";
    return false;
  }
  const int code = (line[0] - '0') * 100 + (line[1] - '0') * 10 + (line[2] - '0');
  if (line.size() > 3 && line[3] != '-' && line[3] != ' ') {
    error_ = "malformed reply line (no separator after the code)";
    return false;
  }
  if (code_ != 0 && code != code_) {
    error_ = "reply code changes within a multi-line reply (" + std::to_string(code_) + " then " +
             std::to_string(code) + ")";
    return false;
  }
  code_ = code;
  if (texts_.size() >= limits_.max_lines) {
    error_ = "reply has more than " + std::to_string(limits_.max_lines) + " lines";
    return false;
  }
  texts_.emplace_back(line.size() > 4 ? line.substr(4) : std::string_view());
  last = line.size() == 3 || line[3] == ' ';
  return true;
}

Reply ReplyParser::finish() {
  Reply reply;
  reply.code = code_;
  const char klass = static_cast<char>('0' + code_ / 100);
  if (klass == '2' || klass == '4' || klass == '5') {
    if (std::size_t n = enhanced_code_length(texts_.front(), klass); n != 0) {
      reply.enhanced = texts_.front().substr(0, n);
      for (std::string& text : texts_) {
        if (text.compare(0, n, reply.enhanced) == 0 && (text.size() == n || text[n] == ' ')) {
          text.erase(0, text.size() == n ? n : n + 1);
        }
      }
    }
  }
  reply.lines = std::move(texts_);
  texts_.clear();
  code_ = 0;
  return reply;
}

ReplyStep ReplyParser::feed(std::string_view& input) {
  if (failed()) return ReplyError{error_};
  while (!input.empty()) {
    const std::size_t lf = input.find('\n');
    const std::size_t take = lf == std::string_view::npos ? input.size() : lf + 1;
    if (partial_.size() + take > limits_.max_line) {
      input.remove_prefix(take);
      return fail("reply line longer than " + std::to_string(limits_.max_line) + " octets");
    }
    partial_.append(input.substr(0, take));
    input.remove_prefix(take);
    if (lf == std::string_view::npos) break;

    std::string_view line(partial_);
    line.remove_suffix(1);  // LF
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    bool last = false;
    const bool ok = take_line(line, last);
    partial_.clear();
    if (!ok) return fail(error_);
    if (last) return finish();
  }
  return NeedMore{};
}

ReplyStep parse_reply(std::string_view text, ReplyLimits limits) {
  ReplyParser parser(limits);
  ReplyStep step = parser.feed(text);
  if (std::holds_alternative<Reply>(step) && !text.empty()) {
    return ReplyError{"bytes after the end of the reply"};
  }
  return step;
}

}  // namespace stsrelay::smtp
