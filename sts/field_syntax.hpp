// The extension-field syntax that the MTA-STS TXT record (RFC 8461 §3.1), the MTA-STS policy
// file (RFC 8461 §3.2) and the TLS-RPT record (RFC 8460 §3) share, spelled once.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace stsrelay::sts {

// sts-ext-name = (ALPHA / DIGIT) *31(ALPHA / DIGIT / "_" / "-" / ".")
bool is_ext_name(std::string_view name);

// One octet of sts-ext-value = 1*(%x21-3A / %x3C / %x3E-7E): printable ASCII except SP, "="
// and ";" (the TXT records' delimiters).
bool is_ext_value_char(char c);

// Why `name`=`value` is no well-formed extension field (an invalid name, an empty value or an
// invalid character in it), for the parser's reason; nullopt when it is one. Extension fields
// are ignored, but must still be well-formed.
std::optional<std::string> extension_field_error(std::string_view name, std::string_view value);

// Takes the delimiter after a field, *WSP ";" *WSP (sts-field-delim, RFC 8461 §3.1; field-delim,
// RFC 8460 §3), from the front of `rest`. Whitespace alone, or a last delimiter, at the end of a
// record is accepted.
enum class FieldDelim {
  next,     // a delimiter: `rest` starts at the next field
  end,      // the record ended after whitespace or a last delimiter
  missing,  // something else follows the field: `rest` starts there
};
FieldDelim take_field_delim(std::string_view& rest);

}  // namespace stsrelay::sts
