// A test certificate authority made with the OpenSSL API at test time: a CA, leaves signed by
// it with chosen subjectAltNames and validity, self-signed leaves, and PEM files for TLS
// servers and trust stores. In memory first, so certificate tests need no files or sockets.
// For tests only; links OpenSSL through the module under test.
#pragma once

#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <cstdio>
#include <ctime>
#include <filesystem>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

namespace stsrelay::testing {

using KeyPtr = std::shared_ptr<EVP_PKEY>;
using CertPtr = std::shared_ptr<X509>;

struct KeyAndCert {
  KeyPtr key;
  CertPtr cert;
};

// Validity relative to `now` (seconds), and names.
struct LeafSpec {
  std::string common_name;
  std::vector<std::string> sans;  // "DNS:mx.example.test", "IP:127.0.0.1"
  long not_before = -3600;
  long not_after = 86400L * 30;
};

inline void test_cert_fail(const char* what) {
  throw std::runtime_error(std::string("test cert: ") + what);
}

inline KeyPtr make_test_key() {
  KeyPtr key(EVP_EC_gen("P-256"), EVP_PKEY_free);
  if (!key) test_cert_fail("EVP_EC_gen");
  return key;
}

inline void add_test_ext(X509* cert, X509* issuer, int nid, const std::string& value) {
  X509V3_CTX v3;
  X509V3_set_ctx_nodb(&v3);
  X509V3_set_ctx(&v3, issuer, cert, nullptr, nullptr, 0);
  X509_EXTENSION* ext = X509V3_EXT_conf_nid(nullptr, &v3, nid, value.c_str());
  if (ext == nullptr) test_cert_fail("X509V3_EXT_conf_nid");
  X509_add_ext(cert, ext, -1);
  X509_EXTENSION_free(ext);
}

// `issuer` null: self-signed with `key`.
inline CertPtr make_test_cert(const LeafSpec& spec, const KeyPtr& key, const KeyAndCert* issuer,
                              bool is_ca, std::time_t now) {
  static long serial = 1;
  CertPtr cert(X509_new(), X509_free);
  X509_set_version(cert.get(), 2);
  ASN1_INTEGER_set(X509_get_serialNumber(cert.get()), serial++);
  X509_time_adj_ex(X509_getm_notBefore(cert.get()), 0, spec.not_before, &now);
  X509_time_adj_ex(X509_getm_notAfter(cert.get()), 0, spec.not_after, &now);
  X509_set_pubkey(cert.get(), key.get());
  X509_NAME* name = X509_get_subject_name(cert.get());
  X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC,
                             reinterpret_cast<const unsigned char*>(spec.common_name.c_str()),
                             -1, -1, 0);
  X509* issuer_cert = issuer ? issuer->cert.get() : cert.get();
  X509_set_issuer_name(cert.get(), X509_get_subject_name(issuer_cert));
  if (is_ca) {
    add_test_ext(cert.get(), issuer_cert, NID_basic_constraints, "critical,CA:TRUE");
    add_test_ext(cert.get(), issuer_cert, NID_key_usage, "critical,keyCertSign,cRLSign");
  } else {
    add_test_ext(cert.get(), issuer_cert, NID_basic_constraints, "critical,CA:FALSE");
    add_test_ext(cert.get(), issuer_cert, NID_ext_key_usage, "serverAuth");
  }
  std::string san;
  for (const auto& s : spec.sans) san += (san.empty() ? "" : ",") + s;
  if (!san.empty()) add_test_ext(cert.get(), issuer_cert, NID_subject_alt_name, san);
  EVP_PKEY* signer = issuer ? issuer->key.get() : key.get();
  if (X509_sign(cert.get(), signer, EVP_sha256()) == 0) test_cert_fail("X509_sign");
  return cert;
}

class TestCa {
 public:
  explicit TestCa(std::string name = "Test CA", std::time_t now = std::time(nullptr))
      : now_(now) {
    ca_.key = make_test_key();
    ca_.cert = make_test_cert({name, {}, -86400, 86400L * 3650}, ca_.key, nullptr, true, now_);
  }

  const KeyAndCert& ca() const { return ca_; }

  KeyAndCert issue(const LeafSpec& spec) const {
    KeyAndCert leaf;
    leaf.key = make_test_key();
    leaf.cert = make_test_cert(spec, leaf.key, &ca_, false, now_);
    return leaf;
  }

  static KeyAndCert self_signed(const LeafSpec& spec, std::time_t now = std::time(nullptr)) {
    KeyAndCert leaf;
    leaf.key = make_test_key();
    leaf.cert = make_test_cert(spec, leaf.key, nullptr, false, now);
    return leaf;
  }

 private:
  std::time_t now_;
  KeyAndCert ca_;
};

// PEM files: `cert` holds the leaf followed by `chain` (for a server), `key` the private key.
struct PemFiles {
  std::filesystem::path cert;
  std::filesystem::path key;
};

inline void write_test_pem(const std::filesystem::path& path, const std::vector<X509*>& certs) {
  std::filesystem::create_directories(path.parent_path());
  FILE* f = std::fopen(path.c_str(), "w");
  if (!f) test_cert_fail("open for writing");
  for (X509* c : certs) PEM_write_X509(f, c);
  std::fclose(f);
}

inline PemFiles write_test_server_files(const std::filesystem::path& dir, const KeyAndCert& leaf,
                                        const std::vector<X509*>& chain = {}) {
  PemFiles files{dir / "server.pem", dir / "server.key"};
  std::vector<X509*> all{leaf.cert.get()};
  all.insert(all.end(), chain.begin(), chain.end());
  write_test_pem(files.cert, all);
  FILE* f = std::fopen(files.key.c_str(), "w");
  if (!f) test_cert_fail("open key for writing");
  PEM_write_PrivateKey(f, leaf.key.get(), nullptr, nullptr, 0, nullptr, nullptr);
  std::fclose(f);
  return files;
}

}  // namespace stsrelay::testing
