// A self-signed certificate made with the OpenSSL API at test time (no files in the
// repository, no openssl binary): an EC P-256 key and a certificate for the given name,
// written as PEM files into a directory. For tests only; links OpenSSL through the module
// under test.
#pragma once

#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <cstdio>
#include <filesystem>
#include <memory>
#include <stdexcept>
#include <string>

namespace stsrelay::testing {

struct CertFiles {
  std::filesystem::path cert;
  std::filesystem::path key;
};

inline CertFiles write_self_signed_cert(const std::filesystem::path& dir,
                                        const std::string& common_name) {
  auto fail = [](const char* what) { throw std::runtime_error(std::string("test cert: ") + what); };
  std::unique_ptr<EVP_PKEY, decltype(&EVP_PKEY_free)> key(EVP_EC_gen("P-256"), EVP_PKEY_free);
  if (!key) fail("EVP_EC_gen");
  std::unique_ptr<X509, decltype(&X509_free)> cert(X509_new(), X509_free);
  X509_set_version(cert.get(), 2);
  ASN1_INTEGER_set(X509_get_serialNumber(cert.get()), 1);
  X509_gmtime_adj(X509_getm_notBefore(cert.get()), -3600);
  X509_gmtime_adj(X509_getm_notAfter(cert.get()), 86400L * 30);
  X509_set_pubkey(cert.get(), key.get());
  X509_NAME* name = X509_get_subject_name(cert.get());
  X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC,
                             reinterpret_cast<const unsigned char*>(common_name.c_str()), -1, -1, 0);
  X509_set_issuer_name(cert.get(), name);
  X509V3_CTX v3;
  X509V3_set_ctx_nodb(&v3);
  X509V3_set_ctx(&v3, cert.get(), cert.get(), nullptr, nullptr, 0);
  std::string san = "DNS:" + common_name;
  if (X509_EXTENSION* ext = X509V3_EXT_conf_nid(nullptr, &v3, NID_subject_alt_name, san.c_str())) {
    X509_add_ext(cert.get(), ext, -1);
    X509_EXTENSION_free(ext);
  }
  if (X509_sign(cert.get(), key.get(), EVP_sha256()) == 0) fail("X509_sign");

  std::filesystem::create_directories(dir);
  CertFiles files{dir / "cert.pem", dir / "key.pem"};
  FILE* f = std::fopen(files.cert.c_str(), "w");
  if (!f) fail("open cert.pem");
  PEM_write_X509(f, cert.get());
  std::fclose(f);
  f = std::fopen(files.key.c_str(), "w");
  if (!f) fail("open key.pem");
  PEM_write_PrivateKey(f, key.get(), nullptr, nullptr, 0, nullptr, nullptr);
  std::fclose(f);
  return files;
}

}  // namespace stsrelay::testing
