// The OpenSSL error queue of this thread as one line of text, for the errors of the TLS context
// set-up (client, server and HTTPS).
#pragma once

#include <string>

namespace stsrelay::net {

// Empties the queue: its errors, oldest first, joined by "; ", or "unknown OpenSSL error" when
// it held none.
std::string take_openssl_errors();

}  // namespace stsrelay::net
