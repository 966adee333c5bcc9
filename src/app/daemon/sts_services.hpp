// The daemon's MTA-STS stack (RFC 8461), built from the configuration: the policy cache in
// state_dir/sts.db, the HTTPS client and policy fetcher, the PolicyResolver that delivery asks
// before every attempt, and the background refresher (§10.2). Kept out of daemon.cpp so that
// the daemon only starts and stops it.
#pragma once

#include <filesystem>
#include <memory>

#include "src/app/config/config.hpp"
#include "src/core/clock.hpp"
#include "src/core/result.hpp"

namespace boost::asio { class any_io_executor; }
namespace stsrelay::net { class Resolver; }
namespace stsrelay::sts { class PolicyResolver; }

namespace stsrelay::app {

class StsServices {
 public:
  // Opens sts.db under `state_dir` and starts the refresher. `dns` and `clock` must outlive it.
  static core::Result<std::unique_ptr<StsServices>> start(
      const boost::asio::any_io_executor& ex, net::Resolver& dns, const Config& config,
      const std::filesystem::path& state_dir, const core::Clock& clock);
  ~StsServices();  // stops the refresher; destroy while the io_context still exists

  sts::PolicyResolver& resolver();
  // No refresh starts afterwards (SIGTERM): its timer no longer keeps the io_context running.
  void stop();

  struct Parts;

 private:
  explicit StsServices(std::unique_ptr<Parts> parts);
  std::unique_ptr<Parts> parts_;
};

}  // namespace stsrelay::app
