#include "src/net/dane_verify.hpp"

#include <openssl/x509.h>
#include <openssl/x509_vfy.h>
#include <openssl/x509v3.h>

#include <memory>
#include <vector>

#include "src/core/ascii.hpp"

namespace stsrelay::net {
namespace {

using X509Ptr = std::unique_ptr<X509, decltype(&X509_free)>;

// sk_X509_free is a macro: it cannot be named as a deleter. Frees the stack, not the certificates.
struct StackFree {
  void operator()(STACK_OF(X509) * s) const { sk_X509_free(s); }
};

X509Ptr parse(const DerBytes& der) {
  const unsigned char* p = der.data();
  X509Ptr cert(d2i_X509(nullptr, &p, static_cast<long>(der.size())), X509_free);
  if (cert && p != der.data() + der.size()) cert.reset();
  return cert;
}

bool names_host(X509* leaf, std::span<const std::string> names) {
  for (std::string_view name : names) {
    if (name.size() > 1 && name.back() == '.') name.remove_suffix(1);
    if (name.empty()) continue;
    const std::string lower = core::to_lower_ascii(name);
    // NO_PARTIAL_WILDCARDS: "*" must be the whole left-most label (RFC 7672 §3.2.3).
    if (X509_check_host(leaf, lower.data(), lower.size(), X509_CHECK_FLAG_NO_PARTIAL_WILDCARDS,
                        nullptr) == 1) {
      return true;
    }
  }
  return false;
}

std::string joined(std::span<const std::string> names) {
  std::string out;
  for (const auto& n : names) out += (out.empty() ? "" : ", ") + n;
  return out;
}

}  // namespace

DaneTaVerdict verify_dane_ta_chain(std::span<const DerBytes> chain_der, std::size_t anchor_depth,
                                   std::span<const std::string> reference_names,
                                   std::time_t now) {
  DaneTaVerdict v;
  if (anchor_depth == 0 || anchor_depth >= chain_der.size()) {
    v.reason = "trust anchor depth " + std::to_string(anchor_depth) + " not above the leaf in a " +
               std::to_string(chain_der.size()) + "-certificate chain";
    return v;
  }
  std::vector<X509Ptr> certs;
  for (std::size_t i = 0; i < chain_der.size(); ++i) {
    certs.push_back(parse(chain_der[i]));
    if (!certs.back()) {
      v.reason = "certificate " + std::to_string(i) + " of the chain is not DER";
      return v;
    }
  }

  std::unique_ptr<X509_STORE, decltype(&X509_STORE_free)> store(X509_STORE_new(),
                                                                X509_STORE_free);
  std::unique_ptr<STACK_OF(X509), StackFree> untrusted(sk_X509_new_null());
  std::unique_ptr<X509_STORE_CTX, decltype(&X509_STORE_CTX_free)> ctx(X509_STORE_CTX_new(),
                                                                      X509_STORE_CTX_free);
  if (!store || !untrusted || !ctx ||
      X509_STORE_add_cert(store.get(), certs[anchor_depth].get()) != 1) {
    v.reason = "out of memory";
    return v;
  }
  // The certificates the server sent between leaf and anchor (and any others: path building
  // picks what it needs), never the store: only the matched anchor is trusted.
  for (std::size_t i = 1; i < certs.size(); ++i) {
    if (i != anchor_depth) sk_X509_push(untrusted.get(), certs[i].get());
  }
  int rc = 0;
  if (X509_STORE_CTX_init(ctx.get(), store.get(), certs[0].get(), untrusted.get()) == 1) {
    // The purpose and trust OpenSSL's TLS client uses (ssl_verify_cert_chain).
    X509_STORE_CTX_set_default(ctx.get(), "ssl_server");
    X509_STORE_CTX_set_flags(ctx.get(), X509_V_FLAG_PARTIAL_CHAIN);
    X509_STORE_CTX_set_time(ctx.get(), 0, now);
    rc = X509_verify_cert(ctx.get());
  }
  v.chain_verified = rc == 1;
  if (!v.chain_verified) {
    v.reason = std::string("chain to the trust anchor does not verify: ") +
               X509_verify_cert_error_string(X509_STORE_CTX_get_error(ctx.get()));
  }
  v.name_matched = names_host(certs[0].get(), reference_names);
  if (!v.name_matched) {
    v.reason += std::string(v.reason.empty() ? "" : "; ") + "certificate names none of: " +
                joined(reference_names);
  }
  return v;
}

}  // namespace stsrelay::net
