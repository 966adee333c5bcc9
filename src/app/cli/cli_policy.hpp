// `stsrelay policy list | show DOMAIN | refresh DOMAIN`: the MTA-STS policy cache (sts.db in
// queue.state_dir) through its own connection, safe while the daemon runs.
//   list     every cached domain with its id, mode, fetch time and expiry
//   show     one domain: the cached policy text, id, mode, times and the last failed fetch
//   refresh  looks the TXT record up and fetches the policy now with the daemon's settings
//            (delivery.dns_servers, delivery.ca_file, sts.fetch_timeout, sts.max_policy_size),
//            ignoring the 5-minute wait after a failure, and stores the result in sts.db
// Exit status: 0 success, 1 failure (nothing cached, I/O, failed fetch), 2 usage/config.
#pragma once

namespace CLI { class App; }

namespace stsrelay::app {

struct CliContext;

void add_policy_commands(CLI::App& app, CliContext& ctx);

}  // namespace stsrelay::app
