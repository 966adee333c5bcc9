#include "src/net/tlsa_forms.hpp"

#include <openssl/evp.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>

#include <memory>

namespace stsrelay::net {
namespace {

using core::Error;

core::Result<DerBytes> digest(const DerBytes& in, const EVP_MD* md) {
  DerBytes out(static_cast<std::size_t>(EVP_MD_get_size(md)));
  unsigned int len = 0;
  if (EVP_Digest(in.data(), in.size(), out.data(), &len, md, nullptr) != 1 ||
      len != out.size()) {
    return Error::invalid(std::string("cannot compute ") + EVP_MD_get0_name(md));
  }
  return out;
}

core::Result<DerBytes> to_der(X509* cert) {
  const int n = i2d_X509(cert, nullptr);
  if (n <= 0) return Error::invalid("cannot encode the certificate");
  DerBytes out(static_cast<std::size_t>(n));
  unsigned char* p = out.data();
  i2d_X509(cert, &p);
  return out;
}

}  // namespace

const DerBytes* TlsaCertForms::form(std::uint8_t selector, std::uint8_t matching_type) const {
  if (selector > 1 || matching_type > 2) return nullptr;
  return &data[selector][matching_type];
}

core::Result<TlsaCertForms> tlsa_forms(std::span<const std::uint8_t> cert_der) {
  const unsigned char* p = cert_der.data();
  std::unique_ptr<X509, decltype(&X509_free)> cert(
      d2i_X509(nullptr, &p, static_cast<long>(cert_der.size())), X509_free);
  if (!cert) return Error::invalid("not a DER certificate");
  if (p != cert_der.data() + cert_der.size()) {
    return Error::invalid("bytes after the DER certificate");
  }
  TlsaCertForms f;
  // RFC 6698 §2.1.2: selector 0 is the certificate's full DER encoding, as it was presented.
  f.data[0][0].assign(cert_der.begin(), cert_der.end());
  // Selector 1 is the DER SubjectPublicKeyInfo (RFC 5280 §4.1.2.7).
  const int n = i2d_X509_PUBKEY(X509_get_X509_PUBKEY(cert.get()), nullptr);
  if (n <= 0) return Error::invalid("cannot encode the SubjectPublicKeyInfo");
  f.data[1][0].resize(static_cast<std::size_t>(n));
  unsigned char* q = f.data[1][0].data();
  i2d_X509_PUBKEY(X509_get_X509_PUBKEY(cert.get()), &q);
  for (auto& by_selector : f.data) {
    auto sha256 = digest(by_selector[0], EVP_sha256());
    if (!sha256) return sha256.error();
    auto sha512 = digest(by_selector[0], EVP_sha512());
    if (!sha512) return sha512.error();
    by_selector[1] = std::move(*sha256);
    by_selector[2] = std::move(*sha512);
  }
  return f;
}

core::Result<std::vector<TlsaCertForms>> tlsa_forms_of_chain(std::span<const DerBytes> chain_der) {
  std::vector<TlsaCertForms> out;
  out.reserve(chain_der.size());
  for (std::size_t i = 0; i < chain_der.size(); ++i) {
    auto f = tlsa_forms(chain_der[i]);
    if (!f) {
      return Error::invalid("certificate " + std::to_string(i) + " of the chain: " +
                            f.error().message);
    }
    out.push_back(std::move(*f));
  }
  return out;
}

std::vector<DerBytes> peer_chain_der(SSL* ssl) {
  std::vector<DerBytes> out;
  X509* leaf = SSL_get0_peer_certificate(ssl);
  if (leaf == nullptr) return out;
  auto leaf_der = to_der(leaf);
  if (!leaf_der) return out;
  out.push_back(std::move(*leaf_der));
  STACK_OF(X509)* chain = SSL_get_peer_cert_chain(ssl);
  for (int i = 0; chain != nullptr && i < sk_X509_num(chain); ++i) {
    X509* c = sk_X509_value(chain, i);
    if (X509_cmp(c, leaf) == 0) continue;  // the client's copy of the chain starts with the leaf
    auto der = to_der(c);
    // Stop rather than skip: a gap would shift the depth of every certificate after it.
    if (!der) break;
    out.push_back(std::move(*der));
  }
  return out;
}

}  // namespace stsrelay::net
