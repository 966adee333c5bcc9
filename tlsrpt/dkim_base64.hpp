// Base64 (RFC 4648 §4, with padding) for DKIM tag values and MIME bodies. Plain, no line breaks:
// callers fold where their format says (DKIM header folding, 76-character MIME lines).
#pragma once

#include <string>
#include <string_view>

namespace stsrelay::tlsrpt {

std::string base64_encode(std::string_view bytes);

}  // namespace stsrelay::tlsrpt
