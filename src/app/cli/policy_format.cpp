#include "src/app/cli/policy_format.hpp"

#include <algorithm>
#include <array>

#include "src/core/mail_date.hpp"

namespace stsrelay::app {
namespace {

std::string utc(core::SysTime t) { return core::format_utc(core::to_unix(t)) + " UTC"; }

std::string expires_text(core::SysTime expires, core::SysTime now) {
  return utc(expires) + (now >= expires ? " (expired)" : "");
}

std::string join(const std::vector<std::string>& items, std::string_view sep) {
  std::string out;
  for (const std::string& s : items) {
    if (!out.empty()) out += sep;
    out += s;
  }
  return out;
}

}  // namespace

std::string format_policy_list(const std::vector<sts::CacheListEntry>& entries,
                               core::SysTime now) {
  if (entries.empty()) return "No cached MTA-STS policies\n";
  using Row = std::array<std::string, 5>;
  std::vector<Row> rows{{"DOMAIN", "ID", "MODE", "FETCHED", "EXPIRES"}};
  for (const sts::CacheListEntry& e : entries) {
    rows.push_back({e.domain, e.id, std::string(sts::to_string(e.mode)), utc(e.fetched_at),
                    expires_text(e.expires_at, now)});
  }
  std::array<std::size_t, 5> width{};
  for (const Row& r : rows) {
    for (std::size_t i = 0; i < r.size(); ++i) width[i] = std::max(width[i], r[i].size());
  }
  std::string out;
  for (const Row& r : rows) {
    std::string line;
    for (std::size_t i = 0; i < r.size(); ++i) {
      line += r[i];
      if (i + 1 < r.size()) line += std::string(width[i] - r[i].size() + 2, ' ');
    }
    out += line + "\n";
  }
  return out;
}

std::string format_policy_view(const PolicyView& view, core::SysTime now) {
  std::string out = "domain:       " + view.domain + "\n";
  if (view.cached) {
    const sts::CachedPolicy& c = *view.cached;
    out += "id:           " + c.id + "\n";
    out += "mode:         " + std::string(sts::to_string(c.policy.mode)) + "\n";
    out += "max_age:      " + std::to_string(c.policy.max_age) + "\n";
    out += "mx:           " + (c.policy.mx.empty() ? "-" : join(c.policy.mx, ", ")) + "\n";
    out += "fetched:      " + utc(c.fetched_at) + "\n";
    out += "expires:      " + expires_text(c.expires_at, now) + "\n";
    out += "refresh:      " + utc(sts::refresh_due_at(c)) + "\n";
  } else {
    out += "policy:       none cached\n";
  }
  if (view.last_failure) {
    const sts::FailureRecord& f = *view.last_failure;
    out += "last failure: " + utc(f.at) + " id=" + f.id + " " + f.reason + "\n";
  }
  if (view.cached) {
    out += "policy text:\n";
    std::string_view text = view.text;
    while (!text.empty()) {
      const auto nl = text.find('\n');
      out += "  " + std::string(text.substr(0, nl)) + "\n";
      if (nl == std::string_view::npos) break;
      text.remove_prefix(nl + 1);
    }
  }
  return out;
}

std::string format_policy_lookup(const sts::PolicyLookup& l) {
  std::string out = l.domain + ": ";
  if (l.origin == sts::PolicyOrigin::fetched) {
    out += "fetched";
  } else if (l.fetch_failure) {
    out += "fetch failed: " + std::string(sts::to_string(l.fetch_failure->error)) + " (" +
           std::string(sts::to_string(l.fetch_failure->result_type)) +
           "): " + l.fetch_failure->detail;
  } else {
    out += "not fetched (" + l.reason + ")";
  }
  if (l.entry) {
    out += (l.origin == sts::PolicyOrigin::fetched ? "; policy" : "; cached policy") +
           std::string(" id=") + l.entry->id +
           " mode=" + std::string(sts::to_string(l.entry->policy.mode)) +
           " expires=" + utc(l.entry->expires_at) + " applies";
  } else {
    out += "; no MTA-STS policy applies";
  }
  return out + "\n";
}

}  // namespace stsrelay::app
