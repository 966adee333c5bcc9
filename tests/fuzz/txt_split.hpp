// For the TXT record fuzz targets: fuzz input as a set of TXT records, split into records at
// '\n' and into character-strings at '|' (`split`), and the same records with their strings
// joined (`joined`), so that a target can check that joining strings changes nothing
// (RFC 8461 §3.1, RFC 8460 §3: the strings of one record are concatenated).
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace stsrelay::fuzz {

struct TxtSplit {
  std::vector<std::vector<std::string>> split;
  std::vector<std::vector<std::string>> joined;
};

inline TxtSplit split_txt_input(std::string_view in) {
  TxtSplit out;
  std::vector<std::string> record;
  std::string piece;
  std::string whole;
  auto end_record = [&] {
    record.push_back(piece);
    out.split.push_back(record);
    out.joined.push_back({whole});
    record.clear();
    piece.clear();
    whole.clear();
  };
  for (char c : in) {
    if (c == '\n') {
      end_record();
    } else if (c == '|') {
      record.push_back(piece);
      piece.clear();
    } else {
      piece += c;
      whole += c;
    }
  }
  end_record();
  return out;
}

// `parse` of the fuzz input's records, split and joined; aborts unless both answers are of the
// same kind (the same alternative of the result variant).
template <typename Parse>
auto parse_split_and_joined(const std::uint8_t* data, std::size_t size, Parse parse) {
  const TxtSplit in = split_txt_input(std::string_view(reinterpret_cast<const char*>(data), size));
  auto split = parse(in.split);
  auto joined = parse(in.joined);
  if (split.index() != joined.index()) std::abort();
  return std::pair{std::move(split), std::move(joined)};
}

}  // namespace stsrelay::fuzz
