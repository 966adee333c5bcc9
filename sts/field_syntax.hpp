// The extension-field syntax that the MTA-STS TXT record (RFC 8461 §3.1), the MTA-STS policy
// file (RFC 8461 §3.2) and the TLS-RPT record (RFC 8460 §3) share, spelled once.
#pragma once

#include <string_view>

namespace stsrelay::sts {

// sts-ext-name = (ALPHA / DIGIT) *31(ALPHA / DIGIT / "_" / "-" / ".")
bool is_ext_name(std::string_view name);

// One octet of sts-ext-value = 1*(%x21-3A / %x3C / %x3E-7E): printable ASCII except SP, "="
// and ";" (the TXT records' delimiters).
bool is_ext_value_char(char c);

}  // namespace stsrelay::sts
