// Fuzz target: the route and TLS-level parsing of [[route]] tables (next hops, domain patterns,
// floor names) and matching. The input is split at '\n': the first line is a next hop, the
// second a domain pattern, the third a TLS floor name, the fourth a domain to match.
// Invariants: no crash; a parsed next hop formats to text that parses back to the same hop; a
// parsed pattern parses again to itself; a floor name round-trips; "*" matches every domain.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>
#include <vector>

#include "src/delivery/route_table.hpp"

namespace d = stsrelay::delivery;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  std::vector<std::string_view> lines;
  std::size_t start = 0;
  while (lines.size() < 4) {
    const std::size_t end = input.find('\n', start);
    lines.push_back(input.substr(start, end == std::string_view::npos ? end : end - start));
    if (end == std::string_view::npos) break;
    start = end + 1;
  }
  lines.resize(4);

  if (auto hop = d::parse_next_hop(lines[0]); hop.ok()) {
    auto again = d::parse_next_hop(d::format_next_hop(*hop));
    if (!again.ok() || !(*again == *hop)) std::abort();
  }
  auto pattern = d::parse_domain_pattern(lines[1]);
  if (pattern.ok()) {
    auto again = d::parse_domain_pattern(*pattern);
    if (!again.ok() || *again != *pattern) std::abort();
  }
  if (auto floor = d::parse_tls_floor(lines[2])) {
    if (d::parse_tls_floor(d::to_string(*floor)) != floor) std::abort();
  }
  if (!d::domain_matches("*", lines[3])) std::abort();
  if (pattern.ok()) {
    d::Route route;
    route.domains = {*pattern};
    const d::RouteTable table({route});
    (void)table.match(lines[3], "");
    (void)table.describe(lines[3], lines[3]);
  }
  return 0;
}
