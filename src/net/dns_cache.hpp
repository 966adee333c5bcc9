// A bounded cache of DNS answers keyed by (name, type), honouring each answer's TTL.
//
// - Positive answers live for their TTL, capped at `max_ttl` (RFC 1035 §3.2.1, RFC 2181 §8).
// - NODATA and NXDOMAIN live for the SOA-derived negative TTL (RFC 2308 §5), capped at
//   `max_negative_ttl`; a negative answer without SOA is not cached (RFC 2308 §5: "SHOULD NOT").
// - Temporary failures are not cached: the next attempt asks again (RFC 2308 §7 allows up to
//   5 minutes; the retry schedule already spaces attempts).
// - TTL 0 means "use once" (RFC 1035 §3.2.1): not cached.
// - At most `max_entries` entries; the least recently used one is dropped first.
// - An entry is the whole DnsAnswer: its DNSSEC status (the AD bit) comes back with the records,
//   so a cached answer is exactly as secure as the response it came from.
//
// Pure: `now` is a parameter. Not thread-safe; the resolver confines it to its strand.
#pragma once

#include <chrono>
#include <cstddef>
#include <list>
#include <optional>
#include <string>
#include <unordered_map>

#include "src/core/clock.hpp"
#include "src/net/dns_message.hpp"
#include "src/net/dns_types.hpp"

namespace stsrelay::net {

struct DnsCacheLimits {
  std::size_t max_entries = 10000;
  std::chrono::seconds max_ttl{3600};
  std::chrono::seconds max_negative_ttl{300};
};

class DnsCache {
 public:
  explicit DnsCache(DnsCacheLimits limits) : limits_(limits) {}

  // The cached answer with its remaining TTL, or nothing when absent or expired (an expired
  // entry is dropped).
  std::optional<DnsAnswer> lookup(std::string_view name, RecordType type, core::SysTime now);

  // Stores `answer` for (name, type) if the rules above allow; returns whether it did.
  bool store(std::string_view name, RecordType type, const DnsAnswer& answer, core::SysTime now);

  std::size_t size() const { return entries_.size(); }

 private:
  struct Entry {
    std::string key;
    DnsAnswer answer;
    core::SysTime expires;
  };
  static std::string key_of(std::string_view name, RecordType type);

  DnsCacheLimits limits_;
  std::list<Entry> entries_;  // most recently used first
  std::unordered_map<std::string, std::list<Entry>::iterator> index_;
};

}  // namespace stsrelay::net
