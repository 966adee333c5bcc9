// The reports a `stsrelay report` command works on: tlsrpt.db in queue.state_dir on a node
// alone, the shared database's (the whole organisation's) when [cluster] database is set. A
// fleet's connection runs on its own PgWorker, migrating the schema like a node does, and every
// step waits a bounded time; a database that cannot be reached is said to be that, by its
// redacted target (never the password), with exit status 1.
#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <string>

#include "src/app/config/config.hpp"
#include "src/core/clock.hpp"
#include "src/core/result.hpp"
#include "src/db/pg_worker.hpp"
#include "tlsrpt/report_storage.hpp"

namespace stsrelay::app {

// How long a CLI command waits for the shared database per step.
inline constexpr std::chrono::milliseconds kCliFleetWait{30'000};

// The worker of a fleet command for `node`: it connects when first asked and migrates the shared
// schema on every connection. `clock` must outlive it.
core::Result<std::unique_ptr<db::PgWorker>> open_fleet_worker(const Config& config,
                                                              const std::string& node,
                                                              const core::Clock& clock);

// Connects through `worker` (and migrates) now; the error says that the cluster database
// could not be used, and why.
core::Status reach_fleet_database(db::PgWorker& worker);

// Runs `body` with the report storage of `config`; the exit status is the body's, or 1 after
// printing why the storage could not be opened.
int with_report_storage(const Config& config,
                        const std::function<int(tlsrpt::ReportStorage&)>& body);

}  // namespace stsrelay::app
