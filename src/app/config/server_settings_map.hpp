// From the configuration to the settings of the inbound SMTP server (smtp/server_settings.hpp).
// Pure; the daemon applies the result at start-up and on SIGHUP.
#pragma once

#include "smtp/server_settings.hpp"
#include "src/app/config/config.hpp"

namespace stsrelay::app {

smtp::ServerSettings to_server_settings(const Config& config);

}  // namespace stsrelay::app
