// Keys for the DKIM tests: generated once per test run (RSA 2048, Ed25519), the Ed25519 key of
// RFC 8463 Appendix A, and PEM texts of keys DKIM must refuse, all made with OpenSSL here.
#pragma once

#include <openssl/bio.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rsa.h>

#include <stdexcept>
#include <string>

#include "dkim_test_verifier.hpp"
#include "src/dkim/key.hpp"

namespace stsrelay::dkim::test {

inline DkimKey must(core::Result<DkimKey> key) {
  if (!key) throw std::runtime_error(key.error().message);
  return std::move(key.value());
}

inline const DkimKey& rsa_key() {
  static const DkimKey key = must(DkimKey::generate(DkimKeyType::rsa, 2048));
  return key;
}

inline const DkimKey& ed25519_key() {
  static const DkimKey key = must(DkimKey::generate(DkimKeyType::ed25519, 0));
  return key;
}

// What PEM_write_bio_* writes into memory.
template <class Write>
std::string pem_of(Write write) {
  BIO* bio = BIO_new(BIO_s_mem());
  if (write(bio) != 1) {
    BIO_free(bio);
    throw std::runtime_error("cannot write PEM");
  }
  char* data = nullptr;
  const long len = BIO_get_mem_data(bio, &data);
  std::string out(data, static_cast<std::size_t>(len));
  BIO_free(bio);
  return out;
}

inline EVP_PKEY* generate_pkey(const char* algorithm, int rsa_bits = 0) {
  EVP_PKEY_CTX* ctx = EVP_PKEY_CTX_new_from_name(nullptr, algorithm, nullptr);
  EVP_PKEY* pkey = nullptr;
  EVP_PKEY_keygen_init(ctx);
  if (rsa_bits > 0) EVP_PKEY_CTX_set_rsa_keygen_bits(ctx, rsa_bits);
  if (std::string(algorithm) == "EC") EVP_PKEY_CTX_set_group_name(ctx, "P-256");
  EVP_PKEY_keygen(ctx, &pkey);
  EVP_PKEY_CTX_free(ctx);
  if (pkey == nullptr) throw std::runtime_error("cannot generate a test key");
  return pkey;
}

// PKCS#8 PEM of a private key given as its raw Ed25519 seed (base64).
inline std::string ed25519_pem_from_seed(const std::string& seed_base64) {
  const std::string seed = detail::b64decode(seed_base64);
  EVP_PKEY* pkey = EVP_PKEY_new_raw_private_key(
      EVP_PKEY_ED25519, nullptr, reinterpret_cast<const unsigned char*>(seed.data()),
      seed.size());
  if (pkey == nullptr) throw std::runtime_error("bad Ed25519 seed");
  std::string pem = pem_of([&](BIO* bio) {
    return PEM_write_bio_PKCS8PrivateKey(bio, pkey, nullptr, nullptr, 0, nullptr, nullptr);
  });
  EVP_PKEY_free(pkey);
  return pem;
}

// RFC 8463 Appendix A.2: the Ed25519 key of selector "brisbane" at football.example.com.
inline constexpr const char* kRfc8463Seed = "nWGxne/9WmC6hEr0kuwsxERJxWl7MmkZcDusAxyuf2A=";
inline constexpr const char* kRfc8463PublicKey = "11qYAYKxCrfVS/7TyWQHOg7hcvPapiMlrwIaaPcHURo=";

}  // namespace stsrelay::dkim::test
