#include "src/net/dns_cache.hpp"

#include <algorithm>

namespace stsrelay::net {

std::string DnsCache::key_of(std::string_view name, RecordType type) {
  return std::to_string(static_cast<unsigned>(type)) + ' ' + normalize_dns_name(name);
}

std::optional<DnsAnswer> DnsCache::lookup(std::string_view name, RecordType type,
                                          core::SysTime now) {
  const auto it = index_.find(key_of(name, type));
  if (it == index_.end()) return std::nullopt;
  const auto entry = it->second;
  if (entry->expires <= now) {
    entries_.erase(entry);
    index_.erase(it);
    return std::nullopt;
  }
  entries_.splice(entries_.begin(), entries_, entry);
  DnsAnswer a = entry->answer;
  // Hand out the time left, as a caching resolver counts TTLs down (RFC 1035 §4.1.3).
  a.ttl = static_cast<std::uint32_t>(
      std::chrono::ceil<std::chrono::seconds>(entry->expires - now).count());
  return a;
}

bool DnsCache::store(std::string_view name, RecordType type, const DnsAnswer& answer,
                     core::SysTime now) {
  std::chrono::seconds ttl{answer.ttl};
  switch (answer.status) {
    case DnsStatus::answer: ttl = std::min(ttl, limits_.max_ttl); break;
    case DnsStatus::nodata:
    case DnsStatus::nxdomain: ttl = std::min(ttl, limits_.max_negative_ttl); break;
    case DnsStatus::temporary: return false;
  }
  if (ttl.count() <= 0 || limits_.max_entries == 0) return false;
  std::string key = key_of(name, type);
  if (const auto it = index_.find(key); it != index_.end()) {
    entries_.erase(it->second);
    index_.erase(it);
  }
  while (entries_.size() >= limits_.max_entries) {
    index_.erase(entries_.back().key);
    entries_.pop_back();
  }
  entries_.push_front(Entry{key, answer, now + ttl});
  index_.emplace(std::move(key), entries_.begin());
  return true;
}

}  // namespace stsrelay::net
