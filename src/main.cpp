// stsrelay: an outbound SMTP relay that enforces MTA-STS (RFC 8461) and reports with TLS-RPT
// (RFC 8460). The commands live in src/app (cli.hpp lists them).
#include "src/app/cli/cli.hpp"

int main(int argc, char** argv) { return stsrelay::app::run_cli(argc, argv); }
