// Fuzz target: the TLS-Required header detector (smtp/tls_required_header.hpp). Input: a
// message. Invariants: no crash; REQUIRETLS always wins (RFC 8689 §4.1); without it the envelope
// flag is exactly the detector's answer; a detected "No" survives a prefixed Received: field
// (the server adds one before storing).
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "smtp/tls_required_header.hpp"

using namespace stsrelay::smtp;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view message(reinterpret_cast<const char*>(data), size);
  const bool no = has_tls_required_no(message);
  if (tls_optional_requested(true, message)) std::abort();
  if (tls_optional_requested(false, message) != no) std::abort();
  if (no) {
    const std::string received = "Received: from client.example by relay.example;\r\n" +
                                 std::string(message);
    if (!has_tls_required_no(received)) std::abort();
  }
  return 0;
}
