// Fetches the MTA-STS policy of a recipient domain (RFC 8461 §3.3): GET
// https://mta-sts.<domain>/.well-known/mta-sts.txt through the HTTPS client, bounded as a whole
// by sts.fetch_timeout and in size by sts.max_policy_size, and classified by
// classify_policy_fetch (fetch_error.hpp). Every failure is logged with its reason.
//
// What it deliberately does not do: cache, retry, or remember failures (the 5-minute rule of
// §3.3 is the cache's), or look at the TXT record (§3.1, txt_record). The policy domain is the
// recipient domain itself, never a parent (§3.3: "mta-sts" prepended to the Policy Domain).
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <string>
#include <string_view>

#include "src/net/https_fetcher.hpp"
#include "sts/fetch_error.hpp"

namespace stsrelay::sts {

struct PolicyFetchSettings {
  std::chrono::milliseconds timeout{60'000};  // sts.fetch_timeout
  std::uint64_t max_policy_size = 65'536;     // sts.max_policy_size
};

// The policy URL of a domain that is already normalised (domain_name.hpp).
std::string policy_url(std::string_view domain);

// What the policy resolver (policy_resolver.hpp) fetches through, so that its unit tests can
// hold a fetch in flight or fail it on demand.
class PolicySource {
 public:
  using Callback = std::function<void(PolicyFetchResult)>;

  virtual ~PolicySource() = default;

  // Returns at once; `done` runs exactly once, on a thread of the implementation's choice.
  virtual void fetch_policy(std::string_view domain, Callback done) = 0;
};

class PolicyFetcher final : public PolicySource {
 public:
  // `https` must outlive the fetcher and every fetch in flight.
  PolicyFetcher(net::HttpsFetcher& https, PolicyFetchSettings settings);

  // `domain` is normalised here (lower case, A-labels, no trailing dot). `done` runs once, on
  // the HTTPS client's thread.
  void fetch_policy(std::string_view domain, Callback done) override;

 private:
  net::HttpsFetcher& https_;
  PolicyFetchSettings settings_;
};

}  // namespace stsrelay::sts
