#include "src/dkim/key.hpp"

#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rsa.h>
#include <openssl/objects.h>
#include <openssl/x509.h>

#include <memory>

#include "src/core/base64.hpp"

namespace stsrelay::dkim {
namespace {

struct BioFree {
  void operator()(BIO* b) const { BIO_free(b); }
};
struct CtxFree {
  void operator()(EVP_MD_CTX* c) const { EVP_MD_CTX_free(c); }
};
struct PkeyCtxFree {
  void operator()(EVP_PKEY_CTX* c) const { EVP_PKEY_CTX_free(c); }
};
using BioPtr = std::unique_ptr<BIO, BioFree>;

std::shared_ptr<EVP_PKEY> share(EVP_PKEY* pkey) {
  return std::shared_ptr<EVP_PKEY>(pkey, [](EVP_PKEY* p) { EVP_PKEY_free(p); });
}

// The reason of the most recent OpenSSL error, and the error queue emptied.
std::string openssl_reason() {
  const unsigned long code = ERR_peek_last_error();
  std::string reason;
  if (code != 0) {
    const char* text = ERR_reason_error_string(code);
    reason = text != nullptr ? text : "error " + std::to_string(code);
  } else {
    reason = "unknown error";
  }
  ERR_clear_error();
  return reason;
}

// A passphrase callback that supplies none: an encrypted key fails instead of prompting on
// the terminal (OpenSSL's default), which a daemon must never do.
int no_passphrase(char*, int, int, void*) { return 0; }

}  // namespace

std::string sha256_digest(std::string_view data) {
  std::string out(32, '\0');
  unsigned int len = 0;
  EVP_Digest(data.data(), data.size(), reinterpret_cast<unsigned char*>(out.data()), &len,
             EVP_sha256(), nullptr);
  out.resize(len);
  return out;
}

std::string_view to_string(DkimKeyType type) {
  return type == DkimKeyType::rsa ? "rsa" : "ed25519";
}

core::Result<DkimKey> DkimKey::from_pem(std::string_view pem, std::string_view source) {
  const std::string where(source);
  if (pem.find("ENCRYPTED") != std::string_view::npos) {
    return core::Error::invalid(where +
                                ": the private key is encrypted; DKIM keys are read without a "
                                "passphrase (decrypt it with `openssl pkey`)");
  }
  if (pem.find("-----BEGIN") == std::string_view::npos) {
    return core::Error::invalid(where + ": not a PEM file (no \"-----BEGIN\" line)");
  }
  if (pem.find("PRIVATE KEY-----") == std::string_view::npos &&
      pem.find("PUBLIC KEY-----") != std::string_view::npos) {
    return core::Error::invalid(where + ": holds a public key; DKIM signing needs the private key");
  }
  BioPtr bio(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())));
  if (!bio) return core::Error::temporary(where + ": out of memory reading the key");
  EVP_PKEY* raw = PEM_read_bio_PrivateKey(bio.get(), nullptr, no_passphrase, nullptr);
  if (raw == nullptr) {
    return core::Error::invalid(where + ": not a usable PEM private key (" + openssl_reason() +
                                ")");
  }
  return adopt(share(raw), source);
}

std::string_view DkimKey::algorithm() const {
  return type_ == DkimKeyType::rsa ? "rsa-sha256" : "ed25519-sha256";
}

std::string DkimKey::public_key_base64() const {
  if (type_ == DkimKeyType::ed25519) {
    std::string raw(32, '\0');
    std::size_t len = raw.size();
    EVP_PKEY_get_raw_public_key(pkey_.get(), reinterpret_cast<unsigned char*>(raw.data()), &len);
    raw.resize(len);
    return core::encode_base64(raw);
  }
  unsigned char* der = nullptr;
  const int len = i2d_PUBKEY(pkey_.get(), &der);
  if (len <= 0) return {};
  std::string spki(reinterpret_cast<const char*>(der), static_cast<std::size_t>(len));
  OPENSSL_free(der);
  return core::encode_base64(spki);
}

std::string DkimKey::private_key_pem() const {
  BioPtr bio(BIO_new(BIO_s_mem()));
  if (!bio || PEM_write_bio_PKCS8PrivateKey(bio.get(), pkey_.get(), nullptr, nullptr, 0,
                                            nullptr, nullptr) != 1) {
    ERR_clear_error();
    return {};
  }
  char* data = nullptr;
  const long len = BIO_get_mem_data(bio.get(), &data);
  return std::string(data, static_cast<std::size_t>(len));
}

core::Result<std::string> DkimKey::sign(std::string_view data) const {
  std::unique_ptr<EVP_MD_CTX, CtxFree> ctx(EVP_MD_CTX_new());
  if (!ctx) return core::Error::temporary("DKIM signing: out of memory");
  std::string digest;
  const EVP_MD* md = EVP_sha256();
  if (type_ == DkimKeyType::ed25519) {
    // RFC 8463 §3: the Ed25519 input is the SHA-256 hash, signed with PureEdDSA (no digest).
    digest = sha256_digest(data);
    data = digest;
    md = nullptr;
  }
  if (EVP_DigestSignInit(ctx.get(), nullptr, md, nullptr, pkey_.get()) != 1) {
    return core::Error::permanent("DKIM signing: " + openssl_reason());
  }
  const auto* in = reinterpret_cast<const unsigned char*>(data.data());
  std::size_t len = 0;
  if (EVP_DigestSign(ctx.get(), nullptr, &len, in, data.size()) != 1) {
    return core::Error::permanent("DKIM signing: " + openssl_reason());
  }
  std::string signature(len, '\0');
  if (EVP_DigestSign(ctx.get(), reinterpret_cast<unsigned char*>(signature.data()), &len, in,
                     data.size()) != 1) {
    return core::Error::permanent("DKIM signing: " + openssl_reason());
  }
  signature.resize(len);
  return signature;
}

core::Result<DkimKey> DkimKey::generate(DkimKeyType type, int rsa_bits) {
  std::unique_ptr<EVP_PKEY_CTX, PkeyCtxFree> ctx(
      EVP_PKEY_CTX_new_id(type == DkimKeyType::rsa ? EVP_PKEY_RSA : EVP_PKEY_ED25519, nullptr));
  if (!ctx || EVP_PKEY_keygen_init(ctx.get()) != 1) {
    return core::Error::temporary("key generation: " + openssl_reason());
  }
  if (type == DkimKeyType::rsa) {
    if (rsa_bits < kMinRsaBits) {
      return core::Error::invalid("RSA keys for DKIM have at least " +
                                  std::to_string(kMinRsaBits) + " bits (RFC 8301 §3.2)");
    }
    if (EVP_PKEY_CTX_set_rsa_keygen_bits(ctx.get(), rsa_bits) != 1) {
      return core::Error::invalid("key generation: " + openssl_reason());
    }
  }
  EVP_PKEY* raw = nullptr;
  if (EVP_PKEY_keygen(ctx.get(), &raw) != 1) {
    return core::Error::temporary("key generation: " + openssl_reason());
  }
  return adopt(share(raw), "generated key");
}

core::Result<DkimKey> DkimKey::adopt(std::shared_ptr<EVP_PKEY> pkey, std::string_view source) {
  const std::string where(source);
  switch (EVP_PKEY_get_base_id(pkey.get())) {
    case EVP_PKEY_ED25519:
      return DkimKey(std::move(pkey), DkimKeyType::ed25519, 256);
    case EVP_PKEY_RSA: {
      const int bits = EVP_PKEY_get_bits(pkey.get());
      if (bits < kMinRsaBits) {
        return core::Error::invalid(where + ": the RSA key has " + std::to_string(bits) +
                                    " bits; DKIM needs at least " + std::to_string(kMinRsaBits) +
                                    " (RFC 8301 §3.2), 2048 recommended");
      }
      if (bits > kMaxRsaBits) {
        return core::Error::invalid(where + ": the RSA key has " + std::to_string(bits) +
                                    " bits; verifiers need not check keys over " +
                                    std::to_string(kMaxRsaBits) + " (RFC 8301 §3.2)");
      }
      return DkimKey(std::move(pkey), DkimKeyType::rsa, bits);
    }
    default:
      return core::Error::invalid(where + ": a " +
                                  std::string(OBJ_nid2sn(EVP_PKEY_get_base_id(pkey.get()))) +
                                  " key; DKIM signs with RSA or Ed25519 keys only");
  }
}

}  // namespace stsrelay::dkim
