#include "smtp/incoming_message.hpp"

#include "smtp/mime_header.hpp"

namespace stsrelay::smtp {

IncomingMessage::IncomingMessage(OpenSpool open_spool, std::size_t threshold)
    : open_spool_(std::move(open_spool)), threshold_(threshold) {}

core::Status IncomingMessage::add(std::string piece) {
  if (file_.is_open()) return file_.append(piece);
  if (memory_.empty()) {
    memory_ = std::move(piece);  // the reader's buffer itself, not a copy of it
  } else {
    memory_ += piece;
  }
  if (memory_.size() <= threshold_ || !open_spool_) return core::Ok{};
  return spill();
}

core::Status IncomingMessage::spill() {
  auto file = open_spool_();
  if (!file) return file.error();
  file_ = std::move(*file);
  const HeaderBlock block = parse_header(memory_);
  // Without an empty line in the first `threshold_` octets the header is not known whole: all
  // of it goes to the file, and the session reads it back (header_complete() is false).
  const std::size_t head = block.has_separator ? block.body_begin : 0;
  header_complete_ = block.has_separator;
  auto written = file_.append(std::string_view(memory_).substr(head));
  memory_.resize(head);
  memory_.shrink_to_fit();
  return written;
}

core::MessageContent IncomingMessage::take() {
  core::MessageContent out(std::move(memory_), std::move(file_));
  memory_.clear();
  header_complete_ = true;
  return out;
}

}  // namespace stsrelay::smtp
