#include "src/dkim/fold.hpp"

namespace stsrelay::dkim {

std::string fold_header(std::string_view name, const std::vector<FoldPiece>& pieces,
                        std::size_t width) {
  std::string out(name);
  out += ':';
  std::size_t line = out.size();
  bool first = true;
  for (const FoldPiece& piece : pieces) {
    const std::size_t sep = piece.space_before ? 1 : 0;
    const bool fits = line + sep + piece.text.size() <= width;
    if (first || fits) {
      if (sep != 0) out += ' ';
      line += sep;
    } else {
      out += "\r\n ";
      line = 1;
    }
    out += piece.text;
    line += piece.text.size();
    first = false;
  }
  return out;
}

std::vector<FoldPiece> words(std::string_view value) {
  std::vector<FoldPiece> out;
  std::size_t pos = 0;
  while (pos < value.size()) {
    const std::size_t start = value.find_first_not_of(' ', pos);
    if (start == std::string_view::npos) break;
    std::size_t end = value.find(' ', start);
    if (end == std::string_view::npos) end = value.size();
    out.push_back({std::string(value.substr(start, end - start)), true});
    pos = end;
  }
  return out;
}

}  // namespace stsrelay::dkim
