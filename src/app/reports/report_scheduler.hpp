// The daemon's TLS-RPT sender: opens tlsrpt.db's counters and report store, and on a timer of
// the daemon's io_context runs ReportService: the daily build (report_schedule.hpp), every due
// delivery, and pruning past tlsrpt.retention. Nothing here blocks SMTP: ReportService awaits
// every read and write of the counts, the reports and the leases (tlsrpt.db, or in a fleet the
// shared database, each call bounded) on its own thread, and the network waits are
// asynchronous.
#pragma once

#include <filesystem>
#include <functional>
#include <memory>

#include "src/app/config/config.hpp"
#include "src/core/clock.hpp"
#include "src/core/result.hpp"

namespace boost::asio { class any_io_executor; }
namespace stsrelay::net { class Resolver; }
namespace stsrelay::queue { class Store; }
namespace stsrelay::tlsrpt { class Recorder; }
namespace stsrelay::dkim { class SigningKeys; }

namespace stsrelay::app {

class ClusterServices;

class ReportScheduler {
 public:
  // Every reference must outlive the scheduler.
  static core::Result<std::unique_ptr<ReportScheduler>> start(
      const boost::asio::any_io_executor& ex, net::Resolver& dns, queue::Store& queue,
      tlsrpt::Recorder& recorder, const Config& config, const std::filesystem::path& state_dir,
      const core::Clock& clock,
      std::function<std::shared_ptr<const dkim::SigningKeys>()> signing_keys,
      ClusterServices* cluster = nullptr);  // a fleet node's shared stores; null: tlsrpt.db
  ~ReportScheduler();  // stops; destroy while the io_context still exists
  // No run starts afterwards (SIGTERM); a run in progress ends at its next step.
  void stop();

  class Impl;

 private:
  explicit ReportScheduler(std::shared_ptr<Impl> impl);
  std::shared_ptr<Impl> impl_;
};

}  // namespace stsrelay::app
