#include "smtp/reply.hpp"

namespace stsrelay::smtp {

Reply make_reply(int code, std::string_view enhanced, std::string_view text) {
  return Reply{code, std::string(enhanced), {std::string(text)}};
}

std::string format_reply(const Reply& reply) {
  std::string out;
  const std::string code = std::to_string(reply.code);
  const std::vector<std::string> one_empty{std::string()};
  const auto& lines = reply.lines.empty() ? one_empty : reply.lines;
  for (std::size_t i = 0; i < lines.size(); ++i) {
    out += code;
    out += (i + 1 < lines.size()) ? '-' : ' ';
    if (!reply.enhanced.empty()) {
      out += reply.enhanced;
      if (!lines[i].empty()) out += ' ';
    }
    for (char c : lines[i]) out += (c == '\r' || c == '\n') ? ' ' : c;
    out += "\r\n";
  }
  return out;
}

std::string summary(const Reply& reply) {
  std::string out = std::to_string(reply.code);
  if (!reply.enhanced.empty()) out += " " + reply.enhanced;
  if (!reply.lines.empty() && !reply.lines.front().empty()) out += " " + reply.lines.front();
  return out;
}

}  // namespace stsrelay::smtp
