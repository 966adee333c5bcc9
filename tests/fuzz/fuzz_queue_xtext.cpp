// Fuzz target: RFC 3461 §4 xtext (queue/xtext.hpp), which turns the ENVID and ORCPT a client sent
// into the text of a DSN. Invariants: no crash; encoding gives valid xtext (printable ASCII, no
// "=", "+" only before two upper-case hex digits) that decodes to the input; text that decodes
// holds only printable ASCII without "=", and its decoded form encodes to xtext that decodes to
// the same octets.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "queue/xtext.hpp"

using stsrelay::queue::decode_xtext;
using stsrelay::queue::encode_xtext;

namespace {

bool upper_hex(char c) { return (c >= '0' && c <= '9') || (c >= 'A' && c <= 'F'); }

bool xtext_shaped(std::string_view s) {
  for (std::size_t i = 0; i < s.size(); ++i) {
    const char c = s[i];
    if (c < '!' || c > '~' || c == '=') return false;
    if (c == '+') {
      if (i + 2 >= s.size() || !upper_hex(s[i + 1]) || !upper_hex(s[i + 2])) return false;
      i += 2;
    }
  }
  return true;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view in(reinterpret_cast<const char*>(data), size);

  const std::string encoded = encode_xtext(in);
  if (!xtext_shaped(encoded) || encoded.size() > 3 * in.size()) std::abort();
  const auto round_trip = decode_xtext(encoded);
  if (!round_trip || *round_trip != in) std::abort();

  const auto decoded = decode_xtext(in);
  if (decoded.has_value() != xtext_shaped(in)) std::abort();
  if (decoded) {
    if (decoded->size() > in.size()) std::abort();
    const auto again = decode_xtext(encode_xtext(*decoded));
    if (!again || *again != *decoded) std::abort();
  }
  return 0;
}
