// Fuzz target: DKIM's view of a message (src/dkim/canon.hpp, author.hpp, tag_list.hpp), what
// signing relayed mail reads from untrusted input. Input: a message (any bytes).
// Invariants: no crash; relaxed canonicalisation is idempotent (the relaxed form of a relaxed
// header or body is itself), a relaxed body is empty or ends with CRLF and has no white space
// before a CRLF; an author domain, when there is one, is normalised; a tag list that parses
// has unique, non-empty tag names. The streaming body canonicaliser fed the body in chunks
// (sizes taken from the input itself, so the fuzzer chooses the cuts: inside CRLF, inside runs
// of white space, inside trailing empty lines) gives the whole-body result.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <set>
#include <string>
#include <string_view>

#include "src/core/ascii.hpp"
#include "src/core/domain_name.hpp"
#include "src/dkim/author.hpp"
#include "src/dkim/canon.hpp"
#include "src/dkim/tag_list.hpp"

namespace core = stsrelay::core;
namespace dkim = stsrelay::dkim;

namespace {

// Chunk sizes from 1 to 16 octets, read from the body's own bytes in turn.
std::string relaxed_in_chunks(std::string_view body) {
  dkim::RelaxedBodyCanon canon;
  std::string out;
  std::size_t i = 0;
  for (std::size_t pos = 0; pos < body.size();) {
    const std::size_t size = 1 + static_cast<unsigned char>(body[i++ % body.size()]) % 16;
    canon.feed(body.substr(pos, size), out);
    pos += size;
  }
  canon.finish(out);
  return out;
}

void check_body(std::string_view body) {
  const std::string relaxed = dkim::relaxed_body(body);
  if (relaxed_in_chunks(body) != relaxed) std::abort();
  if (dkim::relaxed_body(relaxed) != relaxed) std::abort();
  if (!relaxed.empty() && !relaxed.ends_with("\r\n")) std::abort();
  for (std::size_t pos = relaxed.find("\r\n"); pos != std::string::npos;
       pos = relaxed.find("\r\n", pos + 2)) {
    if (pos > 0 && core::is_wsp(relaxed[pos - 1])) std::abort();
  }
}

void check_field(const dkim::HeaderField& field) {
  const std::string relaxed = dkim::relaxed_header(field.raw);
  if (dkim::relaxed_header(relaxed) != relaxed) std::abort();
  const std::string_view value = field.raw.substr(field.raw.find(':') + 1);
  if (core::iequals(field.name, "From")) {
    auto domain = dkim::author_domain(value);
    if (domain && !core::is_normalized_domain(*domain)) std::abort();
  }
  if (core::iequals(field.name, "DKIM-Signature")) {
    auto tags = dkim::parse_tag_list(value);
    if (!tags) return;
    std::set<std::string> names;
    for (const auto& [name, v] : tags->tags) {
      if (name.empty() || !names.insert(name).second) std::abort();
    }
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view message(reinterpret_cast<const char*>(data), size);
  check_body(message);
  auto split = dkim::split_message(message);
  if (!split) return 0;
  for (const dkim::HeaderField& field : split->headers) check_field(field);
  check_body(split->body);
  return 0;
}
