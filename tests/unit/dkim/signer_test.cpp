// The DKIM signer against the independent verifier in dkim_test_verifier.hpp, for RSA-SHA256
// and Ed25519-SHA256: tables of messages, what relaxed canonicalisation tolerates and what it
// must not, the folded field's shape, RFC 8463's example, and the refused inputs.
#include "src/dkim/signer.hpp"

#include <gtest/gtest.h>

#include <sstream>

#include "dkim_test_keys.hpp"
#include "dkim_test_verifier.hpp"
#include "src/dkim/dns_record.hpp"

namespace stsrelay::dkim {
namespace {

using test::verify_dkim;

const core::SysTime kTime = core::from_unix(1'726'444'800);  // 2024-09-16T00:00:00Z

// The header names a TLS-RPT report mail is signed over (tlsrpt::report_signed_headers).
std::vector<std::string> report_signed_headers() {
  return {"From",         "To",           "Subject",
          "Date",         "Message-ID",   "MIME-Version",
          "Content-Type", "TLS-Report-Domain", "TLS-Report-Submitter",
          "Auto-Submitted"};
}

DkimParams params(std::vector<std::string> headers = report_signed_headers()) {
  return {"example.org", "tlsrpt", std::move(headers), kTime};
}

std::string signed_message(std::string_view message, const DkimKey& key,
                           const DkimParams& p = params()) {
  auto field = dkim_signature(message, key, p);
  if (!field) {
    ADD_FAILURE() << field.error().message;
    return {};
  }
  return *field + std::string(message);
}

std::string dns(const DkimKey& key) { return dkim_txt_value(key, false); }

const std::vector<const DkimKey*>& keys() {
  static const std::vector<const DkimKey*> k = {&test::rsa_key(), &test::ed25519_key()};
  return k;
}

std::string key_name(const DkimKey& key) { return std::string(to_string(key.type())); }

constexpr std::string_view kReport =
    "From: tlsrpt-noreply@example.org\r\n"
    "To: tlsrpt@example.net\r\n"
    "Subject: Report Domain: example.net Submitter: example.org\r\n"
    " Report-ID: <2024-09-15.example.net@example.org>\r\n"
    "Date: Mon, 16 Sep 2024 00:30:00 +0000\r\n"
    "Message-ID: <tlsrpt.1@example.org>\r\n"
    "MIME-Version: 1.0\r\n"
    "TLS-Report-Domain: example.net\r\n"
    "TLS-Report-Submitter: example.org\r\n"
    "Content-Type: text/plain\r\n"
    "\r\n"
    "This is an aggregate TLS report from example.org\r\n";

TEST(DkimSigner, SignedMessagesVerify) {
  struct Row {
    const char* name;
    std::string_view message;
  };
  const std::vector<Row> rows = {
      {"report headers", kReport},
      {"empty body", "From: a@example.org\r\nSubject: x\r\n\r\n"},
      {"headers only", "From: a@example.org\r\n"},
      {"body without final CRLF", "From: a@example.org\r\n\r\nno newline"},
      {"trailing empty lines and spaces", "From: a@example.org\r\n\r\nx  \r\n\t\r\n\r\n"},
      {"folded and spaced fields", "From:   a@example.org  \r\nSubject: a\r\n\tb\r\n\r\nx\r\n"},
      {"two To fields", "From: a@example.org\r\nTo: b@example.net\r\nTo: c@example.net\r\n\r\nx"},
      {"unsigned fields around", "Received: x\r\nFrom: a@example.org\r\nX-Other: y\r\n\r\nx\r\n"},
      {"long body line", std::string_view("From: a@example.org\r\n\r\n"
                                          "0123456789012345678901234567890123456789012345678901"
                                          "2345678901234567890123456789012345678901234567890\r\n")},
  };
  for (const DkimKey* key : keys()) {
    for (const auto& row : rows) {
      SCOPED_TRACE(key_name(*key) + ": " + row.name);
      const auto verdict = verify_dkim(signed_message(row.message, *key), dns(*key));
      EXPECT_TRUE(verdict.ok) << verdict.reason;
      EXPECT_EQ(verdict.tags.at("a"), key->algorithm());
    }
  }
}

TEST(DkimSigner, Tags) {
  for (const DkimKey* key : keys()) {
    SCOPED_TRACE(key_name(*key));
    const auto verdict = verify_dkim(signed_message(kReport, *key), dns(*key));
    ASSERT_TRUE(verdict.ok) << verdict.reason;
    const auto& t = verdict.tags;
    EXPECT_EQ(t.at("v"), "1");
    EXPECT_EQ(t.at("c"), "relaxed/relaxed");
    EXPECT_EQ(t.at("d"), "example.org");
    EXPECT_EQ(t.at("s"), "tlsrpt");
    EXPECT_EQ(t.at("t"), "1726444800");
    EXPECT_EQ(t.count("l"), 0u) << "RFC 8460 §5.3: no l= tag";
    EXPECT_EQ(t.count("x"), 0u);
    // Each name once more than present: the absent next instance is signed too.
    EXPECT_EQ(t.at("h"),
              "from:from:to:to:subject:subject:date:date:message-id:message-id:"
              "mime-version:mime-version:content-type:content-type:"
              "tls-report-domain:tls-report-domain:tls-report-submitter:tls-report-submitter:"
              "auto-submitted");
  }
}

TEST(DkimSigner, FoldedAt78Characters) {
  for (const DkimKey* key : keys()) {
    SCOPED_TRACE(key_name(*key));
    auto field = dkim_signature(kReport, *key, params());
    ASSERT_TRUE(field) << field.error().message;
    ASSERT_GE(field->size(), 2u);
    EXPECT_EQ(field->substr(field->size() - 2), "\r\n");
    EXPECT_EQ(field->rfind("DKIM-Signature: v=1; a=", 0), 0u);
    std::size_t pos = 0;
    int lines = 0;
    while (pos < field->size()) {
      const auto eol = field->find("\r\n", pos);
      ASSERT_NE(eol, std::string::npos);
      const std::string line = field->substr(pos, eol - pos);
      EXPECT_LE(line.size(), 78u) << line;
      EXPECT_EQ(line.find('\n'), std::string::npos);
      if (lines > 0) {
        EXPECT_EQ(line[0], ' ') << "continuation lines begin with whitespace";
      }
      EXPECT_NE(line.find_first_not_of(' '), std::string::npos) << "no whitespace-only line";
      ++lines;
      pos = eol + 2;
    }
    EXPECT_GE(lines, key->type() == DkimKeyType::rsa ? 7 : 4);
  }
}

// What relaxed canonicalisation forgives (a relay re-folding or adding fields above) and what
// a signature must catch.
TEST(DkimSigner, ChangesAfterSigning) {
  auto replace = [](std::string s, std::string_view from, std::string_view to) {
    const auto pos = s.find(from);
    if (pos == std::string::npos) ADD_FAILURE() << "no \"" << from << "\" in the message";
    return pos == std::string::npos ? s : s.replace(pos, from.size(), to);
  };
  struct Row {
    const char* name;
    std::function<std::string(std::string)> change;
    bool still_verifies;
  };
  const std::vector<Row> rows = {
      {"unchanged", [](std::string s) { return s; }, true},
      {"Received field added on top", [](std::string s) { return "Received: by mx\r\n" + s; },
       true},
      {"unsigned field appended to the header",
       [&](std::string s) { return replace(s, "\r\n\r\n", "\r\nX-Spam: no\r\n\r\n"); }, true},
      {"Subject re-folded",
       [&](std::string s) { return replace(s, "example.org\r\n Report-ID", "example.org Report-ID"); },
       true},
      {"spaces added at a body line end",
       [&](std::string s) { return replace(s, "from example.org\r\n", "from example.org \t \r\n"); },
       true},
      {"header name case changed",
       [&](std::string s) { return replace(s, "\r\nMIME-Version:", "\r\nMime-Version:"); }, true},
      {"empty lines added at the body end", [](std::string s) { return s + "\r\n\r\n"; }, true},
      {"body text changed",
       [&](std::string s) { return replace(s, "aggregate TLS", "aggregate SSL"); }, false},
      {"body line added", [](std::string s) { return s + "P.S.\r\n"; }, false},
      {"From changed",
       [&](std::string s) { return replace(s, "tlsrpt-noreply@", "tlsrpt-other@"); }, false},
      {"second From added on top",
       [](std::string s) { return "From: evil@example.com\r\n" + s; }, false},
      {"second Subject appended",
       [&](std::string s) { return replace(s, "\r\n\r\n", "\r\nSubject: other\r\n\r\n"); }, false},
      {"To removed",
       [&](std::string s) { return replace(s, "To: tlsrpt@example.net\r\n", ""); }, false},
      {"TLS-Report-Domain changed",
       [&](std::string s) { return replace(s, "Domain: example.net\r\nTLS", "Domain: example.com\r\nTLS"); },
       false},
      {"t= changed",
       [&](std::string s) { return replace(s, "t=1726444800", "t=1726444801"); }, false},
  };
  for (const DkimKey* key : keys()) {
    const std::string message = signed_message(kReport, *key);
    for (const auto& row : rows) {
      SCOPED_TRACE(key_name(*key) + ": " + row.name);
      const auto verdict = verify_dkim(row.change(message), dns(*key));
      EXPECT_EQ(verdict.ok, row.still_verifies) << verdict.reason;
    }
  }
}

TEST(DkimSigner, WrongKeyDoesNotVerify) {
  const std::string message = signed_message(kReport, test::rsa_key());
  const DkimKey other = test::must(DkimKey::generate(DkimKeyType::rsa, 2048));
  EXPECT_FALSE(verify_dkim(message, dns(other)).ok);
  const std::string ed = signed_message(kReport, test::ed25519_key());
  const DkimKey other_ed = test::must(DkimKey::generate(DkimKeyType::ed25519, 0));
  EXPECT_FALSE(verify_dkim(ed, dns(other_ed)).ok);
}

// RFC 8463 Appendix A.3: its signed example verifies with the test verifier (which checks the
// verifier), and the signer with the same key and message produces the same body hash and a
// signature that verifies against the RFC's DNS record.
constexpr std::string_view kRfc8463Message =
    "From: Joe SixPack <joe@football.example.com>\r\n"
    "To: Suzie Q <suzie@shopping.example.net>\r\n"
    "Subject: Is dinner ready?\r\n"
    "Date: Fri, 11 Jul 2003 21:00:37 -0700 (PDT)\r\n"
    "Message-ID: <20030712040037.46341.5F8J@football.example.com>\r\n"
    "\r\n"
    "Hi.\r\n"
    "\r\n"
    "We lost the game.  Are you hungry yet?\r\n"
    "\r\n"
    "Joe.\r\n";
constexpr std::string_view kRfc8463Signature =
    "DKIM-Signature: v=1; a=ed25519-sha256; c=relaxed/relaxed;\r\n"
    " d=football.example.com; i=@football.example.com;\r\n"
    " q=dns/txt; s=brisbane; t=1528637909; h=from : to :\r\n"
    " subject : date : message-id : from : subject : date;\r\n"
    " bh=2jUSOH9NhtVGCQWNr9BrIAPreKQjO6Sn7XIkfJVOzv8=;\r\n"
    " b=/gCrinpcQOoIfuHNQIbq4pgh9kyIK3AQUdt9OdqQehSwhEIug4D11Bus\r\n"
    " Fa3bT3FY5OsU7ZbnKELq+eXdp1Q1Dw==\r\n";

TEST(DkimSigner, Rfc8463Example) {
  const std::string record = std::string("v=DKIM1; k=ed25519; p=") + test::kRfc8463PublicKey;
  const auto rfc = verify_dkim(std::string(kRfc8463Signature) + std::string(kRfc8463Message),
                               record);
  ASSERT_TRUE(rfc.ok) << "the test verifier rejects RFC 8463's example: " << rfc.reason;

  const DkimKey key =
      test::must(DkimKey::from_pem(test::ed25519_pem_from_seed(test::kRfc8463Seed), "rfc8463"));
  const DkimParams p{"football.example.com", "brisbane",
                     {"from", "to", "subject", "date", "message-id"},
                     core::from_unix(1528637909)};
  const auto ours = verify_dkim(signed_message(kRfc8463Message, key, p), record);
  ASSERT_TRUE(ours.ok) << ours.reason;
  EXPECT_EQ(ours.tags.at("bh"), "2jUSOH9NhtVGCQWNr9BrIAPreKQjO6Sn7XIkfJVOzv8=");
  EXPECT_EQ(dkim_txt_value(key, false), record);
}

TEST(DkimSigner, RefusedInputs) {
  struct Row {
    const char* name;
    std::string message;
    DkimParams params;
    std::string_view error;
  };
  const std::string ok(kReport);
  auto with = [](auto change) {
    DkimParams p = params();
    change(p);
    return p;
  };
  const std::vector<Row> rows = {
      {"From not in h=", ok, params({"To", "Subject"}), "h= must include From"},
      {"message without From", "To: a@example.net\r\n\r\nx\r\n", params(),
       "the message has no From field"},
      {"DKIM-Signature in h=", ok, params({"From", "DKIM-Signature"}),
       "DKIM-Signature field is not signed"},
      {"header name with colon", ok, params({"From", "X:Y"}), "not a header field name"},
      {"header name with space", ok, params({"From", "X Y"}), "not a header field name"},
      {"empty d=", ok, with([](DkimParams& p) { p.domain = ""; }), "d= \"\""},
      {"d= with a space", ok, with([](DkimParams& p) { p.domain = "example .org"; }),
       "is not a domain name"},
      {"d= with an empty label", ok, with([](DkimParams& p) { p.domain = "example..org"; }),
       "is not a domain name"},
      {"s= with a semicolon", ok, with([](DkimParams& p) { p.selector = "a;b"; }),
       "is not a selector"},
      {"t= before 1970", ok, with([](DkimParams& p) { p.time = core::from_unix(-1); }),
       "before 1970"},
      {"bare LF", "From: a@example.org\nTo: b\r\n\r\n", params(), "bare CR or LF"},
  };
  for (const auto& row : rows) {
    SCOPED_TRACE(row.name);
    auto field = dkim_signature(row.message, test::ed25519_key(), row.params);
    ASSERT_FALSE(field);
    EXPECT_NE(field.error().message.find(row.error), std::string::npos) << field.error().message;
  }
}

TEST(DkimSigner, SelectorWithUnderscoreAndUppercaseHeaderNames) {
  DkimParams p = params({"FROM", "subject", "From"});  // duplicates ignored, case folded
  p.selector = "tls_rpt-2024";
  const auto verdict = verify_dkim(signed_message(kReport, test::ed25519_key(), p),
                                   dns(test::ed25519_key()));
  ASSERT_TRUE(verdict.ok) << verdict.reason;
  EXPECT_EQ(verdict.tags.at("h"), "from:from:subject:subject");
  EXPECT_EQ(verdict.tags.at("s"), "tls_rpt-2024");
}

}  // namespace
}  // namespace stsrelay::dkim
