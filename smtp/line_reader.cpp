#include "smtp/line_reader.hpp"

namespace stsrelay::smtp {

void LineReader::append(std::string_view bytes) {
  if (pos_ > 0 && pos_ >= buf_.size() / 2) {
    buf_.erase(0, pos_);
    pos_ = 0;
  }
  buf_.append(bytes);
}

bool LineReader::has_line() const { return buf_.find('\n', pos_) != std::string::npos; }

std::optional<Line> LineReader::next() {
  std::size_t lf = buf_.find('\n', pos_);
  if (skipping_) {
    if (lf == std::string::npos) {
      buf_.clear();
      pos_ = 0;
      return std::nullopt;
    }
    pos_ = lf + 1;
    skipping_ = false;
    return Line{{}, max_line_ + 1, true, false};
  }
  if (lf == std::string::npos) {
    if (buf_.size() - pos_ > max_line_) {
      buf_.clear();
      pos_ = 0;
      skipping_ = true;
    }
    return std::nullopt;
  }
  Line line;
  line.octets = lf + 1 - pos_;
  if (line.octets > max_line_) {
    line.too_long = true;
  } else {
    std::size_t end = lf;
    if (end > pos_ && buf_[end - 1] == '\r') {
      --end;
    } else {
      line.bare_lf = true;
    }
    line.text = buf_.substr(pos_, end - pos_);
  }
  pos_ = lf + 1;
  return line;
}

std::string LineReader::take_rest() {
  std::string rest = buf_.substr(pos_);
  clear();
  return rest;
}

void LineReader::clear() {
  buf_.clear();
  pos_ = 0;
  skipping_ = false;
}

}  // namespace stsrelay::smtp
