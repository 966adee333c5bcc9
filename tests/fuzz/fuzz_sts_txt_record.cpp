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

#include "txt_split.hpp"

#include "sts/txt_record.hpp"

using stsrelay::sts::TxtOk;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const auto [a, b] = stsrelay::fuzz::parse_split_and_joined(
      data, size, [](const auto& records) { return stsrelay::sts::parse_txt_records(records); });
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
