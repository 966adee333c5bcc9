#include "smtp/address.hpp"

#include <gtest/gtest.h>

namespace stsrelay::smtp {
namespace {

struct PathRow {
  const char* name;
  std::string text;
  PathKind kind;
  bool smtputf8;
  PathStatus status;
  std::string mailbox;  // when ok
};

constexpr auto R = PathKind::reverse;
constexpr auto F = PathKind::forward;
constexpr auto kOk = PathStatus::ok;
constexpr auto kSyntax = PathStatus::syntax;
constexpr auto kLong = PathStatus::too_long;
constexpr auto kUtf8 = PathStatus::utf8_not_allowed;

TEST(ParsePath, Table) {
  const std::string local64(64, 'a');
  const std::string label63(63, 'b');
  // 4 labels of 63 + 3 dots = 255 octets
  const std::string domain255 = label63 + "." + label63 + "." + label63 + "." + label63;
  const PathRow rows[] = {
      {"simple", "<user@example.com>", F, false, kOk, "user@example.com"},
      {"domain lowercased", "<User@Example.COM>", F, false, kOk, "User@example.com"},
      {"null reverse path", "<>", R, false, kOk, ""},
      {"null forward path refused", "<>", F, false, kSyntax, ""},
      {"postmaster", "<Postmaster>", F, false, kOk, "Postmaster"},
      {"postmaster lower case", "<postmaster>", F, false, kOk, "postmaster"},
      {"postmaster as sender has no domain", "<postmaster>", R, false, kSyntax, ""},
      {"dot-string", "<first.last@example.com>", F, false, kOk, "first.last@example.com"},
      {"atext specials", "<a!#$%&'*+-/=?^_`{|}~z@example.com>", F, false, kOk,
       "a!#$%&'*+-/=?^_`{|}~z@example.com"},
      {"leading dot", "<.a@example.com>", F, false, kSyntax, ""},
      {"trailing dot in local", "<a.@example.com>", F, false, kSyntax, ""},
      {"double dot", "<a..b@example.com>", F, false, kSyntax, ""},
      {"quoted local part", "<\"john doe\"@example.com>", F, false, kOk,
       "\"john doe\"@example.com"},
      {"quoted with at sign", "<\"a@b\"@example.com>", F, false, kOk, "\"a@b\"@example.com"},
      {"quoted pair", "<\"a\\\"b\"@example.com>", F, false, kOk, "\"a\\\"b\"@example.com"},
      {"quoted empty", "<\"\"@example.com>", F, false, kOk, "\"\"@example.com"},
      {"quoted unterminated", "<\"abc@example.com>", F, false, kSyntax, ""},
      {"quoted control char", "<\"a\x01\"@example.com>", F, false, kSyntax, ""},
      {"quoted then text", "<\"a\"b@example.com>", F, false, kSyntax, ""},
      {"space in dot-string", "<a b@example.com>", F, false, kSyntax, ""},
      {"no domain", "<user@>", F, false, kSyntax, ""},
      {"no at", "<user>", F, false, kSyntax, ""},
      {"no local part", "<@example.com>", F, false, kSyntax, ""},
      {"two at signs", "<a@b@example.com>", F, false, kSyntax, ""},
      {"trailing dot in domain", "<a@example.com.>", F, false, kSyntax, ""},
      {"label starting with hyphen", "<a@-x.example>", F, false, kSyntax, ""},
      {"label ending with hyphen", "<a@x-.example>", F, false, kSyntax, ""},
      {"underscore in domain", "<a@x_y.example>", F, false, kSyntax, ""},
      {"empty label", "<a@x..example>", F, false, kSyntax, ""},
      {"single label domain", "<a@localhost>", F, false, kOk, "a@localhost"},
      {"label of 64 octets", "<a@" + std::string(64, 'c') + ".example>", F, false, kSyntax, ""},
      {"ipv4 literal", "<a@[192.0.2.1]>", F, false, kOk, "a@[192.0.2.1]"},
      {"ipv4 literal out of range", "<a@[192.0.2.256]>", F, false, kSyntax, ""},
      {"ipv4 literal too few parts", "<a@[192.0.2]>", F, false, kSyntax, ""},
      {"ipv4 literal four digits", "<a@[1920.0.2.1]>", F, false, kSyntax, ""},
      {"ipv6 literal", "<a@[IPv6:2001:db8::1]>", F, false, kOk, "a@[IPv6:2001:db8::1]"},
      {"ipv6 literal full", "<a@[IPv6:2001:db8:0:0:0:0:0:1]>", F, false, kOk,
       "a@[IPv6:2001:db8:0:0:0:0:0:1]"},
      {"ipv6 literal with v4 tail", "<a@[IPv6:::ffff:192.0.2.1]>", F, false, kOk,
       "a@[IPv6:::ffff:192.0.2.1]"},
      {"ipv6 literal tag case", "<a@[ipv6:2001:db8::1]>", F, false, kOk,
       "a@[ipv6:2001:db8::1]"},
      {"ipv6 without tag", "<a@[2001:db8::1]>", F, false, kSyntax, ""},
      {"ipv6 bad", "<a@[IPv6:2001:db8:::1]>", F, false, kSyntax, ""},
      {"ipv6 literal with NUL", std::string("<a@[IPv6:::1\0x]>", 16), F, false, kSyntax, ""},
      {"ipv6 literal with zone", "<a@[IPv6:fe80::1%eth0]>", F, false, kSyntax, ""},
      {"general literal", "<a@[x-tag:abc]>", F, false, kSyntax, ""},
      {"unterminated literal", "<a@[192.0.2.1>", F, false, kSyntax, ""},
      {"source route dropped", "<@a.example,@b.example:user@d.example>", F, false, kOk,
       "user@d.example"},
      {"source route single hop", "<@a.example:user@d.example>", R, false, kOk,
       "user@d.example"},
      {"source route bad hop", "<@a.example,b.example:user@d.example>", F, false, kSyntax, ""},
      {"source route without colon", "<@a.example>", F, false, kSyntax, ""},
      {"no brackets", "user@example.com", F, false, kSyntax, ""},
      {"only open bracket", "<user@example.com", F, false, kSyntax, ""},
      {"local part 64", "<" + local64 + "@example.com>", F, false, kOk,
       local64 + "@example.com"},
      {"local part 65", "<" + local64 + "a@example.com>", F, false, kLong, ""},
      {"path over 256", "<a@" + domain255 + ">", F, false, kLong, ""},
      {"path of 256 octets", "<a@" + label63 + "." + label63 + "." + label63 + "." +
       std::string(60, 'c') + ">", F, false, kOk,
       "a@" + label63 + "." + label63 + "." + label63 + "." + std::string(60, 'c')},
      {"utf8 local part without SMTPUTF8", "<j\xc3\xb6rg@example.com>", F, false, kUtf8, ""},
      {"utf8 local part with SMTPUTF8", "<j\xc3\xb6rg@example.com>", F, true, kOk,
       "j\xc3\xb6rg@example.com"},
      {"utf8 quoted local part with SMTPUTF8", "<\"j\xc3\xb6 rg\"@example.com>", F, true, kOk,
       "\"j\xc3\xb6 rg\"@example.com"},
      {"u-label domain without SMTPUTF8", "<a@b\xc3\xbc" "cher.example>", F, false, kUtf8, ""},
      {"u-label domain becomes a-label", "<a@b\xc3\xbc" "cher.example>", F, true, kOk,
       "a@xn--bcher-kva.example"},
      {"u-label uppercase mapped", "<a@B\xc3\x9c" "CHER.example>", F, true, kOk,
       "a@xn--bcher-kva.example"},
      {"u-label with punctuation", "<a@b\xc3\xbc(r.example>", F, true, kSyntax, ""},
      {"u-label with NUL", std::string("<a@\xc3\xbc\0x.example>", 16), F, true, kSyntax, ""},
      {"ideographic full stop maps to a dot", "<a@b\xc3\xbc" "cher\xe3\x80\x82" "example>", F,
       true, kOk, "a@xn--bcher-kva.example"},
      {"a-label kept", "<a@xn--bcher-kva.example>", F, false, kOk, "a@xn--bcher-kva.example"},
      {"invalid utf8 with SMTPUTF8", "<j\xc3(rg@example.com>", F, true, kSyntax, ""},
      {"invalid utf8 without SMTPUTF8", "<j\xff@example.com>", F, false, kSyntax, ""},
      {"overlong utf8", "<\xc0\xaf@example.com>", F, true, kSyntax, ""},
      {"utf8 sender without SMTPUTF8", "<j\xc3\xb6rg@example.com>", R, false, kUtf8, ""},
  };
  for (const auto& row : rows) {
    SCOPED_TRACE(row.name);
    PathResult r = parse_path(row.text, row.kind, row.smtputf8);
    EXPECT_EQ(r.status, row.status) << r.reason;
    if (row.status == kOk) {
      EXPECT_EQ(r.path.mailbox, row.mailbox);
    } else {
      EXPECT_FALSE(r.reason.empty());
    }
  }
}

TEST(ParsePath, FlagsOfSpecialPaths) {
  EXPECT_TRUE(parse_path("<>", R, false).path.null);
  EXPECT_TRUE(parse_path("<POSTMASTER>", F, false).path.postmaster);
  PathResult utf8 = parse_path("<j\xc3\xb6rg@example.com>", F, true);
  EXPECT_TRUE(utf8.path.non_ascii);
  EXPECT_EQ(utf8.path.local_part, "j\xc3\xb6rg");
  EXPECT_EQ(utf8.path.domain, "example.com");
}

TEST(ParseDomain, LengthLimit) {
  const std::string label63(63, 'b');
  const std::string d255 = label63 + "." + label63 + "." + label63 + "." + label63;
  std::string out;
  EXPECT_TRUE(parse_domain(d255, false, out));
  EXPECT_FALSE(parse_domain(d255 + "x", false, out));
}

}  // namespace
}  // namespace stsrelay::smtp
