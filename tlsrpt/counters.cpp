#include "tlsrpt/counters.hpp"

#include <utility>

#include "src/core/enum_names.hpp"

namespace stsrelay::tlsrpt {
namespace {

constexpr core::EnumNameList<PolicyType::no_policy_found> kPolicyTypeNames{
    {"sts", "tlsa", "no-policy-found"}, "no-policy-found"};

}  // namespace

std::string_view to_string(PolicyType type) { return kPolicyTypeNames.name(type); }

std::optional<PolicyType> parse_policy_type(std::string_view token) {
  return kPolicyTypeNames.parse(token);
}

void add_session(Counters& counters, const SessionRecord& r) {
  CounterKey key{utc_day(r.when), r.policy_domain,
                 AppliedPolicy{r.policy_type, r.policy_string, r.mx_host}};
  PolicyCounts& counts = counters[std::move(key)];
  if (!r.result_type) {
    ++counts.successful;
    return;
  }
  ++counts.failed;
  ++counts.failures[FailureKey{*r.result_type, r.sending_mta_ip, r.receiving_mx_hostname,
                               r.receiving_mx_helo, r.receiving_ip, r.failure_reason_code,
                               r.additional_information}];
}

void merge_counters(Counters& into, const Counters& from) {
  for (const auto& [key, counts] : from) {
    PolicyCounts& target = into[key];
    target.successful += counts.successful;
    target.failed += counts.failed;
    for (const auto& [failure, n] : counts.failures) target.failures[failure] += n;
  }
}

DomainDay domain_day(const Counters& counters, Day day, std::string_view policy_domain) {
  DomainDay out{day, std::string(policy_domain), {}};
  for (const auto& [key, counts] : counters) {
    if (key.day != day || key.policy_domain != policy_domain) continue;
    PolicyTotals totals{key.policy, counts.successful, counts.failed, {}};
    totals.failures.assign(counts.failures.begin(), counts.failures.end());
    out.policies.push_back(std::move(totals));
  }
  return out;
}

}  // namespace stsrelay::tlsrpt
