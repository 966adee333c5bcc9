// Base64 (RFC 4648 §4), the one copy: SMTP AUTH (RFC 4954), DKIM tag values (RFC 6376 §3.5 b=,
// bh=, p=), MIME bodies (RFC 2045 §6.8), and passlib's PBKDF2 hash strings. Plain, with no line
// breaks: callers fold where their format says.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace stsrelay::core {

// RFC 4648 §4, padded with '='.
std::string encode_base64(std::string_view bytes);

// RFC 4648 §4, strict: the length a multiple of 4, '=' only as the last one or two characters,
// the bits that padding drops zero (canonical, §3.5), no whitespace. nullopt otherwise.
std::optional<std::string> decode_base64(std::string_view text);

// passlib's "adapted base64" (ab64), as in "$pbkdf2-sha256$" hashes: the RFC 4648 alphabet with
// '.' for '+', without padding.
std::string encode_ab64(std::string_view bytes);

// Adapted or standard base64 alike ('.' and '+' both stand for 62), padding optional, dropped
// bits not checked; nullopt on any other character or a length no encoder produces.
std::optional<std::string> decode_ab64(std::string_view text);

}  // namespace stsrelay::core
