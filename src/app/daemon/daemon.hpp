// `stsrelay serve`: the daemon. Loads and validates the configuration, opens the queue in
// queue.state_dir, runs the SMTP server on one io_context served by a small thread pool, and
// handles signals: SIGTERM/SIGINT stop gracefully (exit 0), SIGHUP reloads the configuration
// (a file that does not validate is refused and the running configuration stays).
#pragma once

#include <string>

namespace stsrelay::app {

// Returns the exit status: 0 after a signalled stop, 1 when start-up failed (the reason is
// logged), 2 for a configuration that does not load.
int run_daemon(const std::string& config_path);

}  // namespace stsrelay::app
