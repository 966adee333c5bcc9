// The certificate forms TLSA records name (RFC 6698 §2.1.2, §2.1.3): the DER certificate, its
// SubjectPublicKeyInfo, and their SHA2-256/SHA2-512 digests, computed here independently.
#include "src/net/tlsa_forms.hpp"

#include <gtest/gtest.h>
#include <openssl/sha.h>
#include <openssl/ssl.h>

#include "der_chain.hpp"
#include "test_ca.hpp"

namespace stsrelay::net {
namespace {

using testing::der_of;

constexpr std::time_t kNow = 1'800'000'000;

DerBytes sha256(const DerBytes& in) {
  DerBytes out(SHA256_DIGEST_LENGTH);
  SHA256(in.data(), in.size(), out.data());
  return out;
}
DerBytes sha512(const DerBytes& in) {
  DerBytes out(SHA512_DIGEST_LENGTH);
  SHA512(in.data(), in.size(), out.data());
  return out;
}

TEST(TlsaForms, CertificateAndPublicKeyInEveryMatchingType) {
  testing::TestCa ca("Forms CA", kNow);
  const auto leaf = ca.issue({"mx.example.test", {"DNS:mx.example.test"}});
  const DerBytes cert = der_of(leaf.cert);
  // The SPKI as the key's own DER public key (i2d_PUBKEY writes a SubjectPublicKeyInfo).
  const int n = i2d_PUBKEY(leaf.key.get(), nullptr);
  ASSERT_GT(n, 0);
  DerBytes spki(static_cast<std::size_t>(n));
  unsigned char* p = spki.data();
  i2d_PUBKEY(leaf.key.get(), &p);

  auto forms = tlsa_forms(cert);
  ASSERT_TRUE(forms.ok()) << forms.error().message;
  EXPECT_EQ(*forms->form(0, 0), cert);
  EXPECT_EQ(*forms->form(0, 1), sha256(cert));
  EXPECT_EQ(*forms->form(0, 2), sha512(cert));
  EXPECT_EQ(*forms->form(1, 0), spki);
  EXPECT_EQ(*forms->form(1, 1), sha256(spki));
  EXPECT_EQ(*forms->form(1, 2), sha512(spki));
  EXPECT_EQ(forms->form(1, 1)->size(), 32u);
  EXPECT_EQ(forms->form(0, 2)->size(), 64u);
  // Values RFC 6698 does not define have no form.
  EXPECT_EQ(forms->form(2, 0), nullptr);
  EXPECT_EQ(forms->form(0, 3), nullptr);
  EXPECT_EQ(forms->form(255, 255), nullptr);
}

TEST(TlsaForms, RejectsWhatIsNotOneCertificate) {
  testing::TestCa ca("Forms CA", kNow);
  DerBytes cert = der_of(ca.ca().cert);
  EXPECT_FALSE(tlsa_forms(DerBytes{}).ok());
  EXPECT_FALSE(tlsa_forms(DerBytes{0x30, 0x03, 0x02, 0x01, 0x05}).ok());
  DerBytes truncated(cert.begin(), cert.end() - 1);
  EXPECT_FALSE(tlsa_forms(truncated).ok());
  DerBytes trailing = cert;
  trailing.push_back(0);
  EXPECT_FALSE(tlsa_forms(trailing).ok());

  const std::vector<DerBytes> chain = {cert, DerBytes{1, 2, 3}};
  auto forms = tlsa_forms_of_chain(chain);
  ASSERT_FALSE(forms.ok());
  EXPECT_NE(forms.error().message.find("certificate 1"), std::string::npos)
      << forms.error().message;
  auto one = tlsa_forms_of_chain(std::vector<DerBytes>{cert});
  ASSERT_TRUE(one.ok());
  EXPECT_EQ(one->size(), 1u);
}

// A TLS handshake in memory (a BIO pair, no sockets): the server sends leaf + CA, and
// peer_chain_der gives the client's view of it, leaf first, each certificate once.
TEST(TlsaForms, PeerChainOfAHandshakeLeafFirst) {
  testing::TestCa ca("Handshake CA", kNow);  // validity plays no part: VERIFY_NONE
  const auto leaf = ca.issue({"mx.example.test", {"DNS:mx.example.test"}});
  using CtxPtr = std::unique_ptr<SSL_CTX, decltype(&SSL_CTX_free)>;
  using SslPtr = std::unique_ptr<SSL, decltype(&SSL_free)>;
  CtxPtr server_ctx(SSL_CTX_new(TLS_server_method()), SSL_CTX_free);
  CtxPtr client_ctx(SSL_CTX_new(TLS_client_method()), SSL_CTX_free);
  ASSERT_TRUE(server_ctx && client_ctx);
  ASSERT_EQ(SSL_CTX_use_certificate(server_ctx.get(), leaf.cert.get()), 1);
  ASSERT_EQ(SSL_CTX_use_PrivateKey(server_ctx.get(), leaf.key.get()), 1);
  ASSERT_EQ(SSL_CTX_add1_chain_cert(server_ctx.get(), ca.ca().cert.get()), 1);
  // DANE judges the chain itself: the handshake must not stop at PKIX.
  SSL_CTX_set_verify(client_ctx.get(), SSL_VERIFY_NONE, nullptr);
  SslPtr server(SSL_new(server_ctx.get()), SSL_free);
  SslPtr client(SSL_new(client_ctx.get()), SSL_free);
  ASSERT_TRUE(server && client);
  BIO* client_bio = nullptr;
  BIO* server_bio = nullptr;
  ASSERT_EQ(BIO_new_bio_pair(&client_bio, 0, &server_bio, 0), 1);
  SSL_set_bio(client.get(), client_bio, client_bio);
  SSL_set_bio(server.get(), server_bio, server_bio);
  SSL_set_connect_state(client.get());
  SSL_set_accept_state(server.get());
  EXPECT_TRUE(peer_chain_der(client.get()).empty()) << "nothing presented yet";
  bool client_done = false;
  bool server_done = false;
  for (int round = 0; round < 20 && !(client_done && server_done); ++round) {
    if (!client_done) client_done = SSL_do_handshake(client.get()) == 1;
    if (!server_done) server_done = SSL_do_handshake(server.get()) == 1;
  }
  ASSERT_TRUE(client_done && server_done) << "handshake did not finish";
  const std::vector<DerBytes> chain = peer_chain_der(client.get());
  ASSERT_EQ(chain.size(), 2u);
  EXPECT_EQ(chain[0], der_of(leaf.cert));
  EXPECT_EQ(chain[1], der_of(ca.ca().cert));
}

}  // namespace
}  // namespace stsrelay::net
