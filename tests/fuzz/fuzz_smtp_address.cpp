// Fuzz target: RFC 5321/6531 path syntax (smtp/address.hpp). Input: one flag byte (bit 0:
// forward path, bit 1: SMTPUTF8), then the path text. Invariants: no crash; an accepted
// mailbox respects the length limits, is valid UTF-8, is ASCII unless SMTPUTF8 was given, and
// parsing its normalised form again gives the same mailbox (normalisation is idempotent).
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "smtp/address.hpp"
#include "src/core/ascii.hpp"
#include "src/core/utf8.hpp"

using namespace stsrelay::smtp;
namespace core = stsrelay::core;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  const PathKind kind = (data[0] & 1) ? PathKind::forward : PathKind::reverse;
  const bool smtputf8 = (data[0] & 2) != 0;
  std::string_view text(reinterpret_cast<const char*>(data + 1), size - 1);
  PathResult r = parse_path(text, kind, smtputf8);
  if (r.status != PathStatus::ok) {
    if (r.reason.empty()) std::abort();
    return 0;
  }
  const Path& p = r.path;
  if (p.null) {
    if (kind != PathKind::reverse || !p.mailbox.empty()) std::abort();
    return 0;
  }
  if (p.local_part.size() > kMaxLocalPart || p.domain.size() > kMaxDomain) std::abort();
  if (!core::is_valid_utf8(p.mailbox)) std::abort();
  if (!smtputf8 && core::has_non_ascii(p.mailbox)) std::abort();
  if (core::has_non_ascii(p.domain)) std::abort();  // U-labels become A-labels
  for (char c : p.domain) {
    if (c >= 'A' && c <= 'Z' && p.domain.front() != '[') std::abort();
  }
  const std::string again = "<" + p.mailbox + ">";
  if (again.size() <= kMaxPath) {
    PathResult r2 = parse_path(again, kind, smtputf8);
    if (r2.status != PathStatus::ok || r2.path.mailbox != p.mailbox) std::abort();
  }
  return 0;
}
