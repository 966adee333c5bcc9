// Fuzz target: the `_mta-sts` TXT record parser (RFC 8461 §3.1). The input is split into
// records at '\n' and into character-strings at '|', so the fuzzer explores record sets too.
// Invariants: no crash; an ok id is 1-32 letters or digits; joining strings does not change the
// answer.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>
#include <vector>

#include "sts/txt_record.hpp"

using stsrelay::sts::TxtOk;
using stsrelay::sts::TxtRecord;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view in(reinterpret_cast<const char*>(data), size);
  std::vector<TxtRecord> split;
  std::vector<TxtRecord> joined;
  TxtRecord record;
  std::string piece;
  std::string whole;
  for (char c : in) {
    if (c == '\n') {
      record.push_back(piece);
      split.push_back(record);
      joined.push_back({whole});
      record.clear();
      piece.clear();
      whole.clear();
    } else if (c == '|') {
      record.push_back(piece);
      piece.clear();
    } else {
      piece += c;
      whole += c;
    }
  }
  record.push_back(piece);
  split.push_back(record);
  joined.push_back({whole});

  auto a = stsrelay::sts::parse_txt_records(split);
  auto b = stsrelay::sts::parse_txt_records(joined);
  if (a.index() != b.index()) std::abort();
  if (const auto* ok = std::get_if<TxtOk>(&a)) {
    if (ok->id.empty() || ok->id.size() > 32) std::abort();
    for (char c : ok->id) {
      bool alnum = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
      if (!alnum) std::abort();
    }
    if (std::get<TxtOk>(b).id != ok->id) std::abort();
  }
  (void)stsrelay::sts::describe(a);
  return 0;
}
