// The TLS-RPT counters in tlsrpt.db: add() upserts aggregated counts in one transaction (so
// concurrent writers add up, never overwrite), and the readers give the days and domains with
// data and the totals of one (day, domain) that a report is built from. One connection, guarded
// by a mutex; open one store per thread that needs its own pace (the recorder's writer, the
// report run, the CLI).
#pragma once

#include <filesystem>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include "src/core/result.hpp"
#include "src/db/sqlite_connection.hpp"
#include "tlsrpt/counter_interfaces.hpp"
#include "tlsrpt/counters.hpp"

namespace stsrelay::tlsrpt {

class CounterStore final : public CounterWriter, public CounterReader {
 public:
  // Opens (creating if needed) tlsrpt.db at `path`; errors name the file.
  static core::Result<std::unique_ptr<CounterStore>> open(const std::filesystem::path& path);

  // Adds every count of `counters` (one transaction: all or nothing).
  core::Status add(const Counters& counters, std::uint64_t sessions = 0) override;

  core::Result<std::vector<Day>> days() override;
  core::Result<std::vector<std::string>> domains(Day day) override;
  core::Result<DomainDay> load(Day day, std::string_view policy_domain) override;
  core::Result<std::int64_t> prune_before(Day first_kept) override;

 private:
  explicit CounterStore(db::SqliteConnection conn) : conn_(std::move(conn)) {}
  core::Status add_locked(const Counters& counters);

  std::mutex mutex_;
  db::SqliteConnection conn_;
};

}  // namespace stsrelay::tlsrpt
