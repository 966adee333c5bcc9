// Fuzz target: the configuration file (TOML through toml++, then every key's checks and the
// checks between keys). Invariants: no crash; an error always says where ("file:" prefix), so an
// administrator can find the line.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "src/app/config_parser.hpp"
#include "src/app/config_validate.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  auto parsed = stsrelay::app::parse_config(text, "fuzz.toml");
  if (!parsed) {
    if (parsed.error().message.rfind("fuzz.toml", 0) != 0) std::abort();
    return 0;
  }
  auto valid = stsrelay::app::validate_config(*parsed);
  if (!valid && valid.error().message.empty()) std::abort();
  return 0;
}
