// gzip (RFC 1952) of a report for its application/tlsrpt+gzip attachment or HTTPS body
// (RFC 8460 §5.2), with zlib.
#pragma once

#include <string>
#include <string_view>

#include "src/core/result.hpp"

namespace stsrelay::tlsrpt {

// One gzip member holding `data`; errors carry zlib's message.
core::Result<std::string> gzip_compress(std::string_view data);

}  // namespace stsrelay::tlsrpt
