// Fuzz target: the `_smtp._tls` TLS-RPT record parser (RFC 8460 §3). The input is split into
// records at '\n' and into character-strings at '|'. Invariants: no crash; a valid record has at
// least one rua URI, each mailto: or https:; joining strings does not change the answer.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "txt_split.hpp"

#include "tlsrpt/rua_record.hpp"

using stsrelay::tlsrpt::RuaOk;

namespace {

bool starts_with_ci(const std::string& s, std::string_view prefix) {
  if (s.size() < prefix.size()) return false;
  for (std::size_t i = 0; i < prefix.size(); ++i) {
    char c = s[i];
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
    if (c != prefix[i]) return false;
  }
  return true;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const auto [a, b] = stsrelay::fuzz::parse_split_and_joined(
      data, size, [](const auto& records) { return stsrelay::tlsrpt::parse_rua_records(records); });
  if (const auto* ok = std::get_if<RuaOk>(&a)) {
    if (ok->rua.empty()) std::abort();
    for (const auto& uri : ok->rua) {
      if (!starts_with_ci(uri, "mailto:") && !starts_with_ci(uri, "https:")) std::abort();
    }
    if (std::get<RuaOk>(b).rua != ok->rua) std::abort();
  }
  (void)stsrelay::tlsrpt::describe(a);
  return 0;
}
