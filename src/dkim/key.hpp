// A DKIM private key, RSA (RFC 6376 §3.3.1, rsa-sha256) or Ed25519 (RFC 8463, ed25519-sha256):
// parsing from PEM, generation for `stsrelay dkim keygen`, the public half as published in DNS
// (p=), and the signature primitive the signer calls. No file I/O (key_file.hpp reads
// files). OpenSSL stays in the .cpp; the key is shared and immutable, so copies are cheap and
// may sign on several threads at once.
#pragma once

#include <memory>
#include <string>
#include <string_view>

#include "src/core/result.hpp"

struct evp_pkey_st;  // OpenSSL's EVP_PKEY

namespace stsrelay::dkim {

enum class DkimKeyType { rsa, ed25519 };

// "rsa" / "ed25519": the k= tag of the DNS record and the --type of keygen.
std::string_view to_string(DkimKeyType type);

// RFC 8301 §3.2: signers MUST use RSA keys of at least 1024 bits and SHOULD use 2048.
inline constexpr int kMinRsaBits = 1024;
// ... and verifiers MUST be able to check keys of 1024 to 4096 bits: a larger key may fail.
inline constexpr int kMaxRsaBits = 4096;

class DkimKey {
 public:
  // A PKCS#8 ("PRIVATE KEY") or traditional ("RSA PRIVATE KEY") PEM private key. `source`
  // names where the text came from (a file name) and begins every error message. Encrypted
  // keys, public keys, other key types and RSA keys under kMinRsaBits are refused.
  static core::Result<DkimKey> from_pem(std::string_view pem, std::string_view source);

  // A fresh key from OpenSSL's random generator; `rsa_bits` is used for RSA only.
  static core::Result<DkimKey> generate(DkimKeyType type, int rsa_bits);

  DkimKeyType type() const { return type_; }
  int bits() const { return bits_; }

  // The a= tag value: "rsa-sha256" or "ed25519-sha256".
  std::string_view algorithm() const;

  // The p= tag value of the DNS record: base64 of the DER SubjectPublicKeyInfo for RSA (what
  // every verifier accepts), of the raw 32-byte public key for Ed25519 (RFC 8463 §4).
  std::string public_key_base64() const;

  // The private key as PKCS#8 PEM, for writing the key file.
  std::string private_key_pem() const;

  // The b= bytes over `data` (the canonical header block): RSASSA-PKCS1-v1_5 with SHA-256 for
  // RSA; for Ed25519, PureEdDSA over the SHA-256 hash of `data` (RFC 8463 §3).
  core::Result<std::string> sign(std::string_view data) const;

 private:
  DkimKey(std::shared_ptr<evp_pkey_st> pkey, DkimKeyType type, int bits)
      : pkey_(std::move(pkey)), type_(type), bits_(bits) {}
  // Checks the key's type and size; `source` begins the error messages.
  static core::Result<DkimKey> adopt(std::shared_ptr<evp_pkey_st> pkey, std::string_view source);

  std::shared_ptr<evp_pkey_st> pkey_;
  DkimKeyType type_;
  int bits_;
};

// SHA-256 of `data` (32 bytes): the DKIM body hash (bh=) and the Ed25519 signing input.
std::string sha256_digest(std::string_view data);

}  // namespace stsrelay::dkim
