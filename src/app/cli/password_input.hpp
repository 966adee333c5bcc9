// Reading a new password from standard input for `stsrelay passwd`: from a terminal without echo
// and twice (the two must match); from a pipe one line. The line ending (LF or CRLF) is not part
// of the password.
#pragma once

#include <string>

#include "src/core/result.hpp"

namespace stsrelay::app {

core::Result<std::string> read_new_password();

}  // namespace stsrelay::app
