// The author domain of a From: field (RFC 5322 §3.4, §3.6.2): one mailbox, or no signature.
#include "src/dkim/author.hpp"

#include <gtest/gtest.h>

#include "table_test.hpp"

namespace stsrelay::dkim {
namespace {

TEST(AuthorDomain, FromFieldValues) {
  // nullopt: no single author domain
  const testing::Example<std::string_view, std::optional<std::string>> rows[] = {
      {" orders@Example.COM", "example.com"},
      {" Shop <orders@shop.example>", "shop.example"},
      {" \"Shop, Inc.\" <orders@shop.example>", "shop.example"},         // comma in quotes
      {" \"a@b.example\" <orders@shop.example>", "shop.example"},        // '@' in the name
      {" orders@shop.example (Shop, <the> shop)", "shop.example"},       // comment
      {" (nested (comment)) Shop <orders@shop.example>", "shop.example"},
      {" \"quoted local\"@shop.example", "shop.example"},
      {" \"x@y\"@shop.example", "shop.example"},                        // '@' inside the quotes
      {" Shop\r\n <orders@shop.example>", "shop.example"},              // folded
      {" <@relay.example:orders@shop.example>", "shop.example"},         // obs-route
      {" orders@shop.example.", "shop.example"},                        // trailing dot
      {" orders@bücher.example", "xn--bcher-kva.example"},             // U-label
      {" Team: orders@shop.example;", "shop.example"},                  // group of one
      {" <orders@shop.example>,", "shop.example"},                      // obsolete empty element
      {" a@one.example, b@two.example", std::nullopt},
      {" Team: a@one.example, b@one.example;", std::nullopt},
      {" Undisclosed recipients:;", std::nullopt},
      {" ", std::nullopt},
      {" orders", std::nullopt},
      {" orders@[192.0.2.1]", std::nullopt},
      {" Shop <orders@shop.example", std::nullopt},
      {" \"Shop <orders@shop.example>", std::nullopt},
      {" (Shop orders@shop.example", std::nullopt},
      {" <a@one.example> <b@two.example>", std::nullopt},
      {" orders@exa mple..example", std::nullopt},
  };
  testing::expect_result_rows(rows, [](std::string_view value) { return author_domain(value); });
}

TEST(AuthorDomain, ErrorsSayWhy) {
  EXPECT_EQ(author_domain(" a@x.example, b@y.example").error().message,
            "the From: field has 2 addresses");
  EXPECT_EQ(author_domain(" x@[192.0.2.1]").error().message,
            "the From: address has a domain literal");
}

}  // namespace
}  // namespace stsrelay::dkim
