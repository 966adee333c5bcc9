#include "smtp/tls_required_header.hpp"

#include "smtp/mime_header.hpp"
#include "src/core/ascii.hpp"

namespace stsrelay::smtp {
namespace {

// RFC 8689 §3: tls-required = "TLS-Required:" [FWS] "No" CRLF. Leading FWS, and trailing
// whitespace a client may leave, are not part of the value.
bool is_no(std::string_view value) {
  const auto blank = [](char c) { return c == '\r' || c == '\n' || core::is_wsp(c); };
  while (!value.empty() && blank(value.front())) value.remove_prefix(1);
  while (!value.empty() && blank(value.back())) value.remove_suffix(1);
  return core::iequals(value, "No");
}

}  // namespace

bool has_tls_required_no(std::string_view message) {
  const HeaderBlock block = parse_header(message);
  for (const HeaderField& field : block.fields) {
    if (core::iequals(field.name, "TLS-Required") && is_no(field.value())) return true;
  }
  return false;
}

bool tls_optional_requested(bool require_tls, std::string_view message) {
  // RFC 8689 §4.1: "If the REQUIRETLS MAIL FROM parameter is specified, the TLS-Required header
  // field MUST be ignored".
  if (require_tls) return false;
  return has_tls_required_no(message);
}

}  // namespace stsrelay::smtp
