// Reading the [[dkim.sign]] key files into the key set the accept path signs with, at start-up
// and on SIGHUP (a failure refuses the reload; the running keys stay).
#pragma once

#include <memory>

#include "src/app/config/config.hpp"
#include "src/core/result.hpp"
#include "src/dkim/relay_signing.hpp"

namespace stsrelay::app {

// Errors name the table and its line: "etc/stsrelay.toml:40: dkim.sign[1].key_file: ...".
core::Result<std::shared_ptr<const dkim::SigningKeys>> load_signing_keys(const DkimConfig& dkim);

}  // namespace stsrelay::app
