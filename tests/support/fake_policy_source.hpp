// A PolicySource (sts/policy_fetcher.hpp) for tests: counts fetches and answers with `reply` at
// once, or holds them until complete() when `hold` is set, so that a test can put several
// lookups behind one fetch in flight.
#pragma once

#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "sts/policy_fetcher.hpp"

namespace stsrelay::testing {

class FakePolicySource final : public sts::PolicySource {
 public:
  void fetch_policy(std::string_view domain, Callback done) override {
    requests.emplace_back(domain);
    if (hold) {
      pending.push_back(std::move(done));
    } else {
      done(reply);
    }
  }
  // Answers every held fetch with `r`.
  void complete(const sts::PolicyFetchResult& r) {
    auto waiting = std::move(pending);
    pending.clear();
    for (auto& done : waiting) done(r);
  }

  sts::PolicyFetchResult reply = sts::PolicyFetchFailure{
      sts::FetchError::connect, sts::ResultType::sts_policy_fetch_error, "no reply set"};
  bool hold = false;
  std::vector<std::string> requests;  // domains, in the order asked
  std::vector<Callback> pending;
};

}  // namespace stsrelay::testing
