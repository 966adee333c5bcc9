#include "src/delivery/tls_log_field.hpp"

namespace stsrelay::delivery {

TlsLogFields tls_log_fields(const smtp::TlsStage& tls) {
  TlsLogFields out;
  if (!tls.active()) return out;
  const net::TlsResult& r = *tls.result;
  out.version = r.protocol;
  if (r.verified()) {
    out.verdict = "verified";
  } else if (!r.cert.chain_verified) {
    out.verdict = "unverified:" + r.cert.verify_error_string;
  } else {
    out.verdict = "unverified:name does not match " + r.host;
  }
  return out;
}

}  // namespace stsrelay::delivery
