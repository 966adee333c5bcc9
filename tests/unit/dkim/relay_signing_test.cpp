// Signing relayed mail: which messages get signatures, with which keys and over which fields,
// checked with the independent verifier of dkim_test_verifier.hpp.
#include "src/dkim/relay_signing.hpp"

#include <gtest/gtest.h>

#include "dkim_test_keys.hpp"
#include "dkim_test_verifier.hpp"
#include "src/dkim/dns_record.hpp"

namespace stsrelay::dkim {
namespace {

const core::SysTime kNow = core::from_unix(1'800'000'000);

SigningKey key(std::string domain, std::string selector, const DkimKey& k) {
  std::string file = selector + ".pem";
  return {std::move(domain), std::move(selector), k, std::move(file)};
}

SigningKeys shop_keys() {
  auto keys = SigningKeys::make({key("shop.example", "ed", test::ed25519_key()),
                                 key("shop.example", "rsa", test::rsa_key()),
                                 key("other.example", "o1", test::rsa_key())});
  EXPECT_TRUE(keys) << keys.error().message;
  return keys ? *keys : SigningKeys{};
}

std::string message(std::string_view from, std::string_view extra_headers = "",
                    std::string_view body = "Hello.\r\n") {
  return "Received: from app ([192.0.2.1]) by relay.example.org\r\n\twith ESMTP id X; now\r\n"
         "From: " + std::string(from) + "\r\nTo: <bob@example.net>\r\nSubject: order 17\r\n"
         "Date: Fri, 15 Jan 2027 08:00:00 +0000\r\nMessage-ID: <17@shop.example>\r\n" +
         std::string(extra_headers) + "\r\n" + std::string(body);
}

// Verifies the signature at position `index` (0: the first field) by removing those before it.
test::Verdict verify_nth(const std::string& signed_message, std::size_t index, const DkimKey& k) {
  std::string m = signed_message;
  for (std::size_t i = 0; i < index; ++i) {
    const auto next = m.find("\r\nDKIM-Signature:");
    m.erase(0, next + 2);
  }
  return test::verify_dkim(m, dkim_txt_value(k, false));
}

TEST(RelaySigning, BothKeysOfTheAuthorDomainRsaFirst) {
  const std::string m = message("Shop <orders@Shop.Example>");
  RelaySigning s = sign_relayed(m, shop_keys(), kNow);
  EXPECT_EQ(s.not_signed, "");
  EXPECT_FALSE(s.failed);
  ASSERT_EQ(s.signed_as, (std::vector<std::string>{"shop.example/rsa", "shop.example/ed"}));
  const std::string out = s.fields + m;
  auto rsa = verify_nth(out, 0, test::rsa_key());
  EXPECT_TRUE(rsa.ok) << rsa.reason;
  EXPECT_EQ(rsa.tags["a"], "rsa-sha256");
  EXPECT_EQ(rsa.tags["t"], "1800000000");
  EXPECT_EQ(rsa.tags.count("x"), 0u);
  auto ed = verify_nth(out, 1, test::ed25519_key());
  EXPECT_TRUE(ed.ok) << ed.reason;
  EXPECT_EQ(ed.tags["a"], "ed25519-sha256");
}

TEST(RelaySigning, SignedFieldsAndOverSigning) {
  const std::string m = message("orders@shop.example", "Cc: <c@example.net>\r\nMIME-Version: 1.0\r\n");
  RelaySigning s = sign_relayed(m, shop_keys(), kNow);
  ASSERT_FALSE(s.signed_as.empty());
  auto v = verify_nth(s.fields + m, 0, test::rsa_key());
  ASSERT_TRUE(v.ok) << v.reason;
  // Over-signed: one more than present (Content-Type is absent, so listed once); the others
  // only where they stand; absent ones (Reply-To, List-*) not at all; Received never.
  EXPECT_EQ(v.tags["h"],
            "from:from:to:to:subject:subject:date:date:content-type:cc:message-id:mime-version");
  // A From: added on the way no longer verifies.
  std::string tampered = s.fields + m;
  tampered.insert(tampered.find("\r\n\r\n") + 2, "From: evil@attacker.example\r\n");
  EXPECT_FALSE(verify_nth(tampered, 0, test::rsa_key()).ok);
}

TEST(RelaySigning, BodiesThatAreHardToCanonicalise) {
  const std::string bodies[] = {
      "",                                          // empty body
      "\r\n\r\n\r\n",                               // only empty lines
      "caf\xc3\xa9 \xe2\x82\xac 8-bit\r\n",        // 8-bit text
      std::string(5000, 'x') + "\r\n",              // a very long line
      "trailing spaces  \t\r\n  lead\r\n\r\n",       // white space the relaxed form changes
  };
  for (const std::string& body : bodies) {
    SCOPED_TRACE(body.substr(0, 40));
    const std::string m = message("orders@shop.example", "", body);
    RelaySigning s = sign_relayed(m, shop_keys(), kNow);
    ASSERT_EQ(s.signed_as.size(), 2u) << s.not_signed;
    EXPECT_TRUE(verify_nth(s.fields + m, 0, test::rsa_key()).ok);
    EXPECT_TRUE(verify_nth(s.fields + m, 1, test::ed25519_key()).ok);
  }
}

TEST(RelaySigning, WhatIsNotSigned) {
  struct Row {
    const char* name;
    std::string message;
    const char* not_signed;  // "" : silently not signed (no key for the domain)
  };
  const Row rows[] = {
      {"another domain", message("a@elsewhere.example"), ""},
      {"a subdomain needs its own table", message("a@mail.shop.example"), ""},
      {"two addresses", message("a@shop.example, b@shop.example"),
       "the From: field has 2 addresses"},
      {"two From fields", message("a@shop.example", "From: b@shop.example\r\n"),
       "the message has two From: fields"},
      {"no From", "To: x@example.net\r\n\r\nbody\r\n", "the message has no From: field"},
  };
  for (const Row& row : rows) {
    SCOPED_TRACE(row.name);
    RelaySigning s = sign_relayed(row.message, shop_keys(), kNow);
    EXPECT_TRUE(s.signed_as.empty());
    EXPECT_EQ(s.fields, "");
    EXPECT_EQ(s.not_signed, row.not_signed);
    EXPECT_FALSE(s.failed);
  }
}

TEST(RelaySigning, AnExistingSignatureOfTheSameKeyIsNotRepeated) {
  const std::string m = message("orders@shop.example");
  RelaySigning first = sign_relayed(m, shop_keys(), kNow);
  const std::string once = first.fields + m;
  EXPECT_EQ(sign_relayed(once, shop_keys(), kNow).signed_as, std::vector<std::string>{});
  // A signature of another selector does not count.
  const std::string foreign =
      "DKIM-Signature: v=1; a=rsa-sha256; d=shop.example; s=old; h=from; bh=x; b=y\r\n" + m;
  EXPECT_EQ(sign_relayed(foreign, shop_keys(), kNow).signed_as.size(), 2u);
}

TEST(RelaySigning, KeySetsThatAreRefused) {
  auto same_selector = SigningKeys::make(
      {key("shop.example", "s1", test::rsa_key()), key("shop.example", "S1", test::ed25519_key())});
  ASSERT_FALSE(same_selector);
  EXPECT_EQ(same_selector.error().message,
            "two keys for domain shop.example and selector S1 (s1.pem and S1.pem)");
  auto two_rsa = SigningKeys::make(
      {key("shop.example", "a", test::rsa_key()), key("shop.example", "b", test::rsa_key())});
  ASSERT_FALSE(two_rsa);
  EXPECT_NE(two_rsa.error().message.find("two rsa keys for domain shop.example"),
            std::string::npos);
  EXPECT_TRUE(SigningKeys::make({key("a.example", "s", test::rsa_key()),
                                 key("b.example", "s", test::rsa_key())}));
}

TEST(RelaySigning, NoKeysNoWork) {
  RelaySigning s = sign_relayed(message("a@shop.example"), SigningKeys{}, kNow);
  EXPECT_TRUE(s.signed_as.empty());
  EXPECT_EQ(s.not_signed, "");
}

}  // namespace
}  // namespace stsrelay::dkim
