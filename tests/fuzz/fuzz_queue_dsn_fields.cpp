// Fuzz target: the DSN field values (queue/dsn_fields.hpp) made from what other hosts and clients
// sent: remote replies, addresses, ORCPT. Input: one byte whose bit 0 asks for a global DSN
// (RFC 6533), then the text. Invariants: no crash; every field is one line (no CR, LF or other
// control octet), at most kMaxFieldText octets of text, ASCII outside a global DSN and valid
// UTF-8 in one (RFC 6533 §3), whatever octets came in; one_line() leaves no leading, trailing or
// doubled space; cap_line() keeps a prefix of at most 990 octets, UTF-8 if the line was.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "queue/dsn_fields.hpp"

using namespace stsrelay::queue;

namespace {

// RFC 3629: shortest form, no surrogates, at most U+10FFFF.
bool valid_utf8(std::string_view s) {
  std::size_t i = 0;
  while (i < s.size()) {
    const auto c = static_cast<unsigned char>(s[i]);
    std::size_t n = 0;
    std::uint32_t cp = 0;
    if (c < 0x80) {
      ++i;
      continue;
    } else if (c >= 0xc2 && c <= 0xdf) {
      n = 1, cp = c & 0x1f;
    } else if (c >= 0xe0 && c <= 0xef) {
      n = 2, cp = c & 0x0f;
    } else if (c >= 0xf0 && c <= 0xf4) {
      n = 3, cp = c & 0x07;
    } else {
      return false;
    }
    if (i + n >= s.size()) return false;
    for (std::size_t k = 1; k <= n; ++k) {
      const auto d = static_cast<unsigned char>(s[i + k]);
      if ((d & 0xc0) != 0x80) return false;
      cp = (cp << 6) | (d & 0x3f);
    }
    if ((n == 2 && cp < 0x800) || (n == 3 && (cp < 0x10000 || cp > 0x10ffff)) ||
        (cp >= 0xd800 && cp <= 0xdfff)) {
      return false;
    }
    i += n + 1;
  }
  return true;
}

// `field` is one header-like line of at most `limit` octets; `folded`: one_line()'s own output,
// whose blanks are single spaces between words.
void check_line(const std::string& field, std::size_t limit, bool global, bool folded) {
  if (field.size() > limit) std::abort();
  for (std::size_t i = 0; i < field.size(); ++i) {
    const auto c = static_cast<unsigned char>(field[i]);
    if (c < 0x20 || c == 0x7f) std::abort();
    if (c >= 0x80 && !global) std::abort();
    if (folded && c == ' ' && (i == 0 || i + 1 == field.size() || field[i + 1] == ' ')) {
      std::abort();
    }
  }
  if (!valid_utf8(field)) std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  const bool global = (data[0] & 1) != 0;
  const std::string_view in(reinterpret_cast<const char*>(data + 1), size - 1);

  check_line(one_line(in, global), kMaxFieldText, global, true);
  check_line(one_line(in, false), kMaxFieldText, false, true);
  // "rfc822; " and "X-Stsrelay; " are the longest prefixes; ORCPT has a type and a value.
  check_line(address_field(in, global), kMaxFieldText + 8, global, false);
  check_line(diagnostic_field(in, global), kMaxFieldText + 12, global, false);
  check_line(original_recipient(in, global), 2 * kMaxFieldText + 2, global, false);

  const std::string capped = cap_line(std::string(in));
  if (capped.size() > 990 || in.substr(0, capped.size()) != capped) std::abort();
  if (in.size() <= 990 && capped.size() != in.size()) std::abort();
  if (valid_utf8(in) && !valid_utf8(capped)) std::abort();

  (void)is_status_code(in);
  return 0;
}
