// DkimKey: generation, PEM in and out, the public key as DNS publishes it, refused keys; and
// load_dkim_key's errors, each naming the file.
#include "src/dkim/key.hpp"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "dkim_test_keys.hpp"
#include "src/dkim/key_file.hpp"

namespace stsrelay::dkim {
namespace {

using test::pem_of;

TEST(DkimKey, GeneratedRsa) {
  const DkimKey& key = test::rsa_key();
  EXPECT_EQ(key.type(), DkimKeyType::rsa);
  EXPECT_EQ(key.bits(), 2048);
  EXPECT_EQ(key.algorithm(), "rsa-sha256");
  // The p= value is a DER SubjectPublicKeyInfo: 294 bytes for RSA 2048, 392 in base64.
  EXPECT_EQ(key.public_key_base64().size(), 392u);
  EXPECT_EQ(key.public_key_base64().substr(0, 8), "MIIBIjAN");
}

TEST(DkimKey, GeneratedEd25519) {
  const DkimKey& key = test::ed25519_key();
  EXPECT_EQ(key.type(), DkimKeyType::ed25519);
  EXPECT_EQ(key.algorithm(), "ed25519-sha256");
  // RFC 8463 §4: the raw 32-byte public key, 44 base64 characters.
  EXPECT_EQ(key.public_key_base64().size(), 44u);
}

TEST(DkimKey, PemRoundTrip) {
  for (const DkimKey* key : {&test::rsa_key(), &test::ed25519_key()}) {
    SCOPED_TRACE(std::string(to_string(key->type())));
    const std::string pem = key->private_key_pem();
    EXPECT_EQ(pem.rfind("-----BEGIN PRIVATE KEY-----", 0), 0u);
    auto again = DkimKey::from_pem(pem, "round trip");
    ASSERT_TRUE(again) << again.error().message;
    EXPECT_EQ(again->type(), key->type());
    EXPECT_EQ(again->public_key_base64(), key->public_key_base64());
  }
}

TEST(DkimKey, Rfc8463PublicKeyFromItsSeed) {
  auto key = DkimKey::from_pem(test::ed25519_pem_from_seed(test::kRfc8463Seed), "rfc8463");
  ASSERT_TRUE(key) << key.error().message;
  EXPECT_EQ(key->public_key_base64(), test::kRfc8463PublicKey);
}

TEST(DkimKey, TraditionalRsaPemAccepted) {
  EVP_PKEY* pkey = test::generate_pkey("RSA", 1024);
  const std::string pem = pem_of([&](BIO* bio) {
    return PEM_write_bio_PrivateKey_traditional(bio, pkey, nullptr, nullptr, 0, nullptr, nullptr);
  });
  EVP_PKEY_free(pkey);
  ASSERT_EQ(pem.rfind("-----BEGIN RSA PRIVATE KEY-----", 0), 0u);
  auto key = DkimKey::from_pem(pem, "old.pem");
  ASSERT_TRUE(key) << key.error().message;
  EXPECT_EQ(key->bits(), 1024);  // RFC 8301's minimum is still accepted
}

TEST(DkimKey, RefusedPems) {
  EVP_PKEY* rsa = test::generate_pkey("RSA", 2048);
  EVP_PKEY* small = test::generate_pkey("RSA", 512);
  EVP_PKEY* large = test::generate_pkey("RSA", 4160);
  EVP_PKEY* ec = test::generate_pkey("EC");
  const std::string encrypted = pem_of([&](BIO* bio) {
    return PEM_write_bio_PKCS8PrivateKey(bio, rsa, EVP_aes_128_cbc(), nullptr, 0, nullptr,
                                         const_cast<char*>("secret"));
  });
  const std::string public_only = pem_of([&](BIO* bio) { return PEM_write_bio_PUBKEY(bio, rsa); });
  const std::string small_pem = pem_of([&](BIO* bio) {
    return PEM_write_bio_PKCS8PrivateKey(bio, small, nullptr, nullptr, 0, nullptr, nullptr);
  });
  const std::string large_pem = pem_of([&](BIO* bio) {
    return PEM_write_bio_PKCS8PrivateKey(bio, large, nullptr, nullptr, 0, nullptr, nullptr);
  });
  const std::string ec_pem = pem_of([&](BIO* bio) {
    return PEM_write_bio_PKCS8PrivateKey(bio, ec, nullptr, nullptr, 0, nullptr, nullptr);
  });
  const std::string good = pem_of([&](BIO* bio) {
    return PEM_write_bio_PKCS8PrivateKey(bio, rsa, nullptr, nullptr, 0, nullptr, nullptr);
  });
  EVP_PKEY_free(rsa);
  EVP_PKEY_free(small);
  EVP_PKEY_free(large);
  EVP_PKEY_free(ec);

  struct Row {
    const char* name;
    std::string pem;
    std::string_view error;
  };
  const std::vector<Row> rows = {
      {"encrypted", encrypted, "encrypted"},
      {"public key", public_only, "holds a public key"},
      {"RSA 512", small_pem, "512 bits; DKIM needs at least 1024"},
      {"RSA 4160", large_pem, "4160 bits; verifiers need not check keys over 4096"},
      {"EC P-256", ec_pem, "RSA or Ed25519 keys only"},
      {"not PEM", "hello", "not a PEM file"},
      {"empty", "", "not a PEM file"},
      {"truncated", good.substr(0, good.size() / 2), "not a usable PEM private key"},
      {"base64 damaged",
       std::string(good).replace(good.find('\n') + 10, 4, "!!!!"), "not a usable PEM private key"},
  };
  for (const auto& row : rows) {
    SCOPED_TRACE(row.name);
    auto key = DkimKey::from_pem(row.pem, "/etc/stsrelay/dkim.pem");
    ASSERT_FALSE(key);
    EXPECT_EQ(key.error().kind, core::ErrorKind::invalid);
    EXPECT_EQ(key.error().message.rfind("/etc/stsrelay/dkim.pem: ", 0), 0u)
        << key.error().message;
    EXPECT_NE(key.error().message.find(row.error), std::string::npos) << key.error().message;
  }
}

TEST(DkimKey, GenerateRefusesShortRsa) {
  auto key = DkimKey::generate(DkimKeyType::rsa, 512);
  ASSERT_FALSE(key);
  EXPECT_NE(key.error().message.find("at least 1024"), std::string::npos);
}

TEST(DkimKey, SignaturesDifferPerKeyTypeAndLength) {
  auto rsa_sig = test::rsa_key().sign("data");
  auto ed_sig = test::ed25519_key().sign("data");
  ASSERT_TRUE(rsa_sig);
  ASSERT_TRUE(ed_sig);
  EXPECT_EQ(rsa_sig->size(), 256u);  // 2048-bit modulus
  EXPECT_EQ(ed_sig->size(), 64u);    // Ed25519
  // Ed25519 is deterministic; the same input gives the same signature.
  EXPECT_EQ(*ed_sig, *test::ed25519_key().sign("data"));
}

class DkimKeyFile : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() /
           ("stsrelay-dkim-key-" + std::to_string(::getpid()));
    std::filesystem::create_directories(dir_);
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }
  std::string write(const std::string& name, const std::string& text) {
    const auto path = dir_ / name;
    std::ofstream(path, std::ios::binary) << text;
    return path.string();
  }
  std::filesystem::path dir_;
};

TEST_F(DkimKeyFile, LoadsAKey) {
  const std::string path = write("good.pem", test::ed25519_key().private_key_pem());
  auto key = load_dkim_key(path);
  ASSERT_TRUE(key) << key.error().message;
  EXPECT_EQ(key->public_key_base64(), test::ed25519_key().public_key_base64());
}

TEST_F(DkimKeyFile, ErrorsNameTheFileAndTheProblem) {
  struct Row {
    const char* name;
    std::string path;
    std::string_view error;
    core::ErrorKind kind;
  };
  const std::vector<Row> rows = {
      {"missing", (dir_ / "missing.pem").string(), "No such file or directory",
       core::ErrorKind::not_found},
      {"directory", dir_.string(), "not a regular file", core::ErrorKind::invalid},
      {"empty file", write("empty.pem", ""), "the DKIM key file is empty",
       core::ErrorKind::invalid},
      {"too large", write("big.pem", std::string(kMaxDkimKeyFileSize + 1, 'A')), "too large",
       core::ErrorKind::invalid},
      {"a certificate, not a key", write("cert.pem", "-----BEGIN CERTIFICATE-----\nMIIB\n"
                                                     "-----END CERTIFICATE-----\n"),
       "not a usable PEM private key", core::ErrorKind::invalid},
  };
  for (const auto& row : rows) {
    SCOPED_TRACE(row.name);
    auto key = load_dkim_key(row.path);
    ASSERT_FALSE(key);
    EXPECT_EQ(key.error().message.rfind(row.path + ": ", 0), 0u) << key.error().message;
    EXPECT_NE(key.error().message.find(row.error), std::string::npos) << key.error().message;
    EXPECT_EQ(key.error().kind, row.kind);
  }
  auto none = load_dkim_key("");
  ASSERT_FALSE(none);
  EXPECT_NE(none.error().message.find("no DKIM key file configured"), std::string::npos);
}

}  // namespace
}  // namespace stsrelay::dkim
