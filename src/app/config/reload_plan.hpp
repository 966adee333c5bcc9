// What a SIGHUP reload can change in the running daemon. Pure: given the configuration in
// force and the one just loaded, the configuration to put in force and the keys whose change
// waits for a restart. Keys bound to state that lives as long as the process (the database
// directory, the log sinks) keep their running value; everything else applies at once.
#pragma once

#include <string>
#include <vector>

#include "src/app/config/config.hpp"

namespace stsrelay::app {

struct ReloadPlan {
  Config next;                                // to put in force
  std::vector<std::string> restart_required;  // dotted keys that changed but wait for restart
};

ReloadPlan plan_reload(const Config& running, Config loaded);

}  // namespace stsrelay::app
