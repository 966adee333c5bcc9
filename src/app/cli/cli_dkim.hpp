// `stsrelay dkim check` is in cli_dkim_check.hpp.
// `stsrelay dkim keygen [--type rsa|ed25519] [--bits N] [--selector S] [--domain D]
// [--tlsrpt-only] --out FILE`: makes the private key TLS-RPT report mails are DKIM-signed with
// (RFC 8460 §5.3; RSA per RFC 6376, Ed25519 per RFC 8463), writes it to FILE as PKCS#8 PEM with
// mode 0600 (never over an existing file), and prints on stdout the DNS TXT record to publish:
//   S._domainkey.D. IN TXT "v=DKIM1; k=rsa; p=..." (split into 255-byte strings)
// Selector and domain default to tlsrpt.dkim_selector and tlsrpt.submitter of --config.
// Exit status: 0 written, 1 I/O failure, 2 usage or configuration.
#pragma once

namespace CLI { class App; }

namespace stsrelay::app {

struct CliContext;

void add_dkim_commands(CLI::App& app, CliContext& ctx);

}  // namespace stsrelay::app
