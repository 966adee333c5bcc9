// TLS-RPT counters: session records aggregated by what a report counts (RFC 8460 §4.4). One
// report covers one UTC day and one policy domain; inside it, each policy applied (type,
// policy-string, mx-host) has its successful and failed session counts, and each distinct
// failure (result-type with its sending/receiving details) has its failed-session-count.
//
// Pure: the recorder aggregates its batch here before writing, the counter store reads rows
// back into the same types, and the report JSON is built from them.
#pragma once

#include <compare>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "sts/result_type.hpp"
#include "tlsrpt/report_day.hpp"
#include "tlsrpt/session_record.hpp"

namespace stsrelay::tlsrpt {

// §4.4 "policy-type": "sts", "tlsa", "no-policy-found".
std::string_view to_string(PolicyType type);
std::optional<PolicyType> parse_policy_type(std::string_view token);

// The policy applied: the key of one entry of a report's "policies" array.
struct AppliedPolicy {
  PolicyType type = PolicyType::no_policy_found;
  std::vector<std::string> policy_string;
  std::vector<std::string> mx_host;
  auto operator<=>(const AppliedPolicy&) const = default;
};

// One distinct failure (§4.4 "failure-details"); empty strings are fields not known.
struct FailureKey {
  sts::ResultType result_type = sts::ResultType::validation_failure;
  std::string sending_mta_ip;
  std::string receiving_mx_hostname;
  std::string receiving_mx_helo;
  std::string receiving_ip;
  std::string failure_reason_code;
  std::string additional_information;
  auto operator<=>(const FailureKey&) const = default;
};

struct CounterKey {
  Day day{};
  std::string policy_domain;
  AppliedPolicy policy;
  auto operator<=>(const CounterKey&) const = default;
};

struct PolicyCounts {
  std::int64_t successful = 0;
  std::int64_t failed = 0;
  std::map<FailureKey, std::int64_t> failures;  // failed-session-count per failure
};

using Counters = std::map<CounterKey, PolicyCounts>;

// Counts one session (its UTC day from record.when).
void add_session(Counters& counters, const SessionRecord& record);

// Adds every count of `from` into `into`.
void merge_counters(Counters& into, const Counters& from);

// The totals of one policy for one report.
struct PolicyTotals {
  AppliedPolicy policy;
  std::int64_t successful = 0;
  std::int64_t failed = 0;
  std::vector<std::pair<FailureKey, std::int64_t>> failures;  // in FailureKey order
};

// What one report is built from: one UTC day of one policy domain.
struct DomainDay {
  Day day{};
  std::string policy_domain;
  std::vector<PolicyTotals> policies;  // in AppliedPolicy order
};

// The entries of `counters` for (day, policy_domain); no policies when there are none.
DomainDay domain_day(const Counters& counters, Day day, std::string_view policy_domain);

}  // namespace stsrelay::tlsrpt
