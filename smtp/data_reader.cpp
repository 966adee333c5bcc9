#include "smtp/data_reader.hpp"

#include "smtp/crlf_lines.hpp"
#include "smtp/text.hpp"

namespace stsrelay::smtp {

DataReader::DataReader(std::uint64_t max_size) : max_size_(max_size) {}

DataError DataReader::error() const {
  if (bare_) return DataError::bare_cr_lf;
  if (too_big_) return DataError::too_big;
  return DataError::none;
}

void DataReader::emit(std::string_view s) {
  // Pieces are runs inside one line, single octets, or a whole "\r\n": a piece that ends in LF
  // ends the line (a bare LF refuses the message anyway).
  if (!s.empty() && s.back() == '\n') {
    line_length_ = 0;
  } else {
    line_length_ += s.size();
    if (line_length_ > kMaxLineLength) long_line_ = true;
  }
  size_ += s.size();
  if (size_ > max_size_ && !too_big_) {
    too_big_ = true;
    message_.clear();
    message_.shrink_to_fit();
  }
  if (error() == DataError::none) message_.append(s);
}

void DataReader::bare() {
  if (!bare_) {
    bare_ = true;
    message_.clear();
    message_.shrink_to_fit();
  }
}

DataFeed DataReader::feed(std::string_view in) {
  DataFeed out;
  if (finished_) return {error() == DataError::none ? DataStatus::complete : DataStatus::rejected, 0};
  std::size_t i = 0;
  while (i < in.size()) {
    if (state_ == State::in_line) {
      // Fast path: copy the run of ordinary octets up to the next CR or LF.
      std::size_t end = find_line_break(in, i);
      if (end == std::string_view::npos) end = in.size();
      if (end > i) {
        emit(in.substr(i, end - i));
        i = end;
        continue;
      }
    }
    const char c = in[i++];
    switch (state_) {
      case State::line_start:
        if (c == '.') {
          state_ = State::dot;
        } else if (c == '\r') {
          state_ = State::cr;
        } else {
          if (c == '\n') bare();
          emit(c);
          state_ = State::in_line;
        }
        break;
      case State::dot:
        // §4.5.2: the leading "." of a line with more on it is deleted.
        if (c == '\r') {
          state_ = State::dot_cr;
        } else {
          if (c == '\n') bare();
          emit(c);
          state_ = State::in_line;
        }
        break;
      case State::dot_cr:
        if (c == '\n') {
          finished_ = true;
          out.consumed = i;
          out.status = error() == DataError::none ? DataStatus::complete : DataStatus::rejected;
          return out;
        }
        bare();  // ".\r" not followed by LF
        emit('\r');
        if (c == '\r') {
          state_ = State::cr;
        } else {
          emit(c);
          state_ = State::in_line;
        }
        break;
      case State::in_line:
        if (c == '\r') {
          state_ = State::cr;
        } else {
          bare();  // only LF reaches here: the fast path took everything else
          emit(c);
        }
        break;
      case State::cr:
        if (c == '\n') {
          emit("\r\n");
          state_ = State::line_start;
        } else {
          bare();  // the CR before this octet was bare
          emit('\r');
          if (c != '\r') {
            emit(c);
            state_ = State::in_line;
          }
        }
        break;
    }
  }
  out.consumed = in.size();
  return out;
}

}  // namespace stsrelay::smtp
