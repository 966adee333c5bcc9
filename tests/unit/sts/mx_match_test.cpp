// Table tests of MX pattern matching (RFC 8461 §4.1) and host name normalisation.
#include "sts/mx_match.hpp"

#include <gtest/gtest.h>

#include <optional>

#include "src/core/domain_name.hpp"

namespace stsrelay::sts {
namespace {

struct Row {
  const char* name;
  const char* host;
  const char* pattern;
  bool match;
};

TEST(MxMatch, Table) {
  const Row rows[] = {
      {"exact", "mail.example.com", "mail.example.com", true},
      {"exact, case-insensitive", "MAIL.Example.COM", "mail.example.com", true},
      {"exact, pattern upper case", "mail.example.com", "MAIL.EXAMPLE.COM", true},
      {"trailing dot on host (from DNS)", "mail.example.com.", "mail.example.com", true},
      {"trailing dot on pattern", "mail.example.com", "mail.example.com.", true},
      {"different host", "mail2.example.com", "mail.example.com", false},
      {"suffix is not a match", "evilmail.example.com", "mail.example.com", false},
      {"parent is not a match", "example.com", "mail.example.com", false},
      {"child is not a match", "a.mail.example.com", "mail.example.com", false},
      // §4.1: "*.example.com" covers exactly one extra left-most label.
      {"wildcard one label", "mx.example.com", "*.example.com", true},
      {"wildcard case-insensitive", "MX.EXAMPLE.COM.", "*.example.com", true},
      {"wildcard does not match the base", "example.com", "*.example.com", false},
      {"wildcard does not match two labels", "a.b.example.com", "*.example.com", false},
      {"wildcard needs the dot", "xexample.com", "*.example.com", false},
      {"wildcard other domain", "mx.example.net", "*.example.com", false},
      {"wildcard empty label", ".example.com", "*.example.com", false},
      {"literal star host vs exact pattern", "*.example.com", "mx.example.com", false},
      // §4.1: the wildcard belongs to the pattern; a host name holding "*" matches nothing.
      {"literal star host vs identical wildcard pattern", "*.example.com", "*.example.com", false},
      {"literal star host vs parent wildcard", "*.mx.example.com", "*.example.com", false},
      {"star inside the left-most label", "m*x.example.com", "*.example.com", false},
      {"literal star host vs identical exact pattern", "*.example.com", "*.example.com.", false},
      {"idn A-labels equal", "mx.xn--bcher-kva.example", "mx.xn--bcher-kva.example", true},
      {"idn wildcard", "mx.xn--bcher-kva.example", "*.xn--bcher-kva.example", true},
      {"empty host", "", "mail.example.com", false},
      {"empty pattern", "mail.example.com", "", false},
      {"bare wildcard pattern", "com", "*.", false},
  };
  for (const Row& row : rows) {
    SCOPED_TRACE(row.name);
    EXPECT_EQ(mx_matches(row.host, row.pattern), row.match);
  }
}

TEST(MxMatch, AnyPattern) {
  const std::vector<std::string> patterns = {"mail.example.com", "*.example.net"};
  EXPECT_TRUE(mx_matches_any("mail.example.com", patterns));
  EXPECT_TRUE(mx_matches_any("mx1.example.net", patterns));
  EXPECT_FALSE(mx_matches_any("example.net", patterns));
  EXPECT_FALSE(mx_matches_any("mail.example.com", {}));
}

TEST(MxMatch, UnicodeHostNormalisedAtTheEdge) {
  auto host = core::normalize_domain("MX.Bücher.Example.");
  ASSERT_TRUE(host.ok()) << host.error().message;
  EXPECT_EQ(*host, "mx.xn--bcher-kva.example");
  EXPECT_TRUE(mx_matches(*host, "*.xn--bcher-kva.example"));
}

}  // namespace
}  // namespace stsrelay::sts
