// `stsrelay dkim check DOMAIN [--selector S] [--config FILE]`: for each [[dkim.sign]] key of
// DOMAIN (or only selector S), looks up the TXT record at S._domainkey.DOMAIN through
// delivery.dns_servers and says whether it publishes that key (src/dkim/key_record_check.hpp).
// Exit status, like `stsrelay check`: 0 every key is published as configured; 1 one is not;
// 2 the check could not run (no key for DOMAIN, a key file or DNS that gave no answer).
#pragma once

namespace CLI { class App; }

namespace stsrelay::app {

struct CliContext;

void add_dkim_check_command(CLI::App& dkim, CliContext& ctx);

}  // namespace stsrelay::app
