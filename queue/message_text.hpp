// Pure helpers over stored message text (RFC 5322 format, CRLF line ends as the SMTP server
// stores it; a lone LF is tolerated for content produced elsewhere).
#pragma once

#include <string_view>

namespace stsrelay::queue {

// The header section of a message, up to and including the line end of its last header line
// (RFC 5322 §2.1: the header section ends at the first empty line). Without an empty line the
// whole message is header.
std::string_view header_section(std::string_view content);

}  // namespace stsrelay::queue
