// DER encodings of test certificates (tests/support/test_ca.hpp), leaf first, as TLSA matching
// and DANE-TA verification take them, and a CA chain with an intermediate. For tests only.
#pragma once

#include <openssl/x509.h>

#include <cstdint>
#include <vector>

#include "test_ca.hpp"

namespace stsrelay::testing {

inline std::vector<std::uint8_t> der_of(const CertPtr& cert) {
  const int n = i2d_X509(cert.get(), nullptr);
  if (n <= 0) test_cert_fail("i2d_X509");
  std::vector<std::uint8_t> out(static_cast<std::size_t>(n));
  unsigned char* p = out.data();
  i2d_X509(cert.get(), &p);
  return out;
}

inline std::vector<std::vector<std::uint8_t>> der_chain(const std::vector<CertPtr>& certs) {
  std::vector<std::vector<std::uint8_t>> out;
  for (const auto& c : certs) out.push_back(der_of(c));
  return out;
}

// A CA issued by `parent` (an intermediate), valid for ten years around `now`.
inline KeyAndCert make_test_intermediate(const KeyAndCert& parent, const std::string& name,
                                         std::time_t now) {
  KeyAndCert ca;
  ca.key = make_test_key();
  ca.cert = make_test_cert({name, {}, -86400, 86400L * 3650}, ca.key, &parent, true, now);
  return ca;
}

}  // namespace stsrelay::testing
