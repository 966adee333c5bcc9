// Where TLS-RPT counts go and where reports read them from, so that the recorder and the report
// run work the same on one node (CounterStore: tlsrpt.db in state_dir) and in a fleet
// (ClusterCounterWriter and PgCounterReader: the shared PostgreSQL database).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "src/core/result.hpp"
#include "tlsrpt/counters.hpp"

namespace stsrelay::tlsrpt {

class CounterWriter {
 public:
  virtual ~CounterWriter() = default;
  // Adds every count of `counters`, the aggregate of `sessions` sessions, all or nothing. Ok
  // means durable (committed, or spooled to be added later); on an error nothing was kept and
  // the caller retries with the same counts.
  virtual core::Status add(const Counters& counters, std::uint64_t sessions) = 0;
};

class CounterReader {
 public:
  virtual ~CounterReader() = default;
  // UTC days with any counts, oldest first.
  virtual core::Result<std::vector<Day>> days() = 0;
  // Policy domains with counts on `day`, in name order.
  virtual core::Result<std::vector<std::string>> domains(Day day) = 0;
  // The totals of (day, policy domain); no policies when nothing was recorded.
  virtual core::Result<DomainDay> load(Day day, std::string_view policy_domain) = 0;
  // Deletes the counts of days before `first_kept`; returns how many policy rows went.
  virtual core::Result<std::int64_t> prune_before(Day first_kept) = 0;
};

}  // namespace stsrelay::tlsrpt
