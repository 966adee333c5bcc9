#include "smtp/tls_required_header.hpp"

#include <gtest/gtest.h>

#include <string>

#include "table_test.hpp"

namespace stsrelay::smtp {
namespace {

TEST(TlsRequiredHeader, Detects) {
  const testing::Row<std::string, bool> rows[] = {
      {"RFC 8689 3 form", "TLS-Required: No\r\nSubject: s\r\n\r\nbody\r\n", true},
      {"no space after the colon", "TLS-Required:No\r\n\r\nb\r\n", true},
      {"name in lower case", "tls-required: no\r\n\r\nb\r\n", true},
      {"name in mixed case, value upper case", "Tls-ReQuired: NO\r\n\r\nb\r\n", true},
      {"trailing whitespace", "TLS-Required: No \t\r\n\r\nb\r\n", true},
      {"folded before the value", "TLS-Required:\r\n  No\r\n\r\nb\r\n", true},
      {"WSP before the colon (obs-optional)", "TLS-Required : No\r\n\r\nb\r\n", true},
      {"after other fields", "From: a@example.com\r\nTo: b@example.net\r\nTLS-Required: No\r\n"
                             "\r\nb\r\n", true},
      {"header without a body", "TLS-Required: No\r\n", true},
      {"one of two fields says No", "TLS-Required: Yes\r\nTLS-Required: No\r\n\r\nb\r\n", true},
      {"no such field", "Subject: s\r\n\r\nb\r\n", false},
      {"empty message", "", false},
      {"value Yes (not defined)", "TLS-Required: Yes\r\n\r\nb\r\n", false},
      {"empty value", "TLS-Required:\r\n\r\nb\r\n", false},
      {"value with more words", "TLS-Required: No thanks\r\n\r\nb\r\n", false},
      {"value with a comment", "TLS-Required: No (please)\r\n\r\nb\r\n", false},
      {"value No split by folding", "TLS-Required: N\r\n o\r\n\r\nb\r\n", false},
      {"a longer field name", "TLS-Required-X: No\r\n\r\nb\r\n", false},
      {"a prefix of the name", "X-TLS-Required: No\r\n\r\nb\r\n", false},
      {"only in the body", "Subject: s\r\n\r\nTLS-Required: No\r\n", false},
      {"only in an attached message",
       "Content-Type: message/rfc822\r\n\r\nTLS-Required: No\r\n\r\nb\r\n", false},
  };
  testing::expect_rows(rows, [](const std::string& m) { return has_tls_required_no(m); });
}

// RFC 8689 §4.1: REQUIRETLS wins; the header is then ignored.
TEST(TlsRequiredHeader, RequireTlsWins) {
  struct In {
    bool require_tls;
    std::string message;
  };
  const std::string no = "TLS-Required: No\r\n\r\nb\r\n";
  const std::string plain = "Subject: s\r\n\r\nb\r\n";
  const testing::Row<In, bool> rows[] = {
      {"header alone", {false, no}, true},
      {"REQUIRETLS and the header", {true, no}, false},
      {"REQUIRETLS alone", {true, plain}, false},
      {"neither", {false, plain}, false},
  };
  testing::expect_rows(rows, [](const In& in) {
    return tls_optional_requested(in.require_tls, in.message);
  });
}

}  // namespace
}  // namespace stsrelay::smtp
