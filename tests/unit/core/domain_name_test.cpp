// Domain normalisation (src/core/domain_name.hpp): the forms MTA-STS, DNS and SMTP names arrive
// in, and the names libidn2 or the length limits refuse.
#include "src/core/domain_name.hpp"

#include <gtest/gtest.h>

#include <optional>
#include <string>

#include "table_test.hpp"

namespace stsrelay::core {
namespace {

using testing::expect_result_rows;
using HostRow = testing::Row<std::string, std::optional<std::string>>;  // nullopt: invalid

TEST(DomainName, NormalizeTable) {
  const HostRow rows[] = {
      {"plain", "mx.example.com", "mx.example.com"},
      {"upper case, trailing dot", "MX.EXAMPLE.COM.", "mx.example.com"},
      {"single label", "localhost", "localhost"},
      {"digits and hyphen", "mx-1.123.example", "mx-1.123.example"},
      {"u-label", "bücher.example", "xn--bcher-kva.example"},
      {"a-label kept", "xn--bcher-kva.example", "xn--bcher-kva.example"},
      {"empty", "", std::nullopt},
      {"only a dot", ".", std::nullopt},
      {"two trailing dots", "mx.example.com..", std::nullopt},
      {"leading dot", ".example.com", std::nullopt},
      {"leading hyphen", "-mx.example.com", std::nullopt},
      {"trailing hyphen in label", "mx-.example.com", std::nullopt},
      {"underscore", "_mta-sts.example.com", std::nullopt},
      {"space", "mx example.com", std::nullopt},
      {"NUL", std::string("mx\0.example.com", 15), std::nullopt},
      {"label of 64", std::string(64, 'a') + ".example", std::nullopt},
      {"label of 63", std::string(63, 'a') + ".example", std::string(63, 'a') + ".example"},
      {"name over 253", std::string(63, 'a') + "." + std::string(63, 'b') + "." +
                            std::string(63, 'c') + "." + std::string(63, 'd'), std::nullopt},
      {"invalid UTF-8", "m\xff.example", std::nullopt},
  };
  expect_result_rows(rows, [](const std::string& in) { return normalize_domain(in); });
}

TEST(DomainName, NormalizedIsAFixedPoint) {
  for (const char* name : {"mx.example.com", "xn--bcher-kva.example", "a", "1.2.3.example"}) {
    SCOPED_TRACE(name);
    EXPECT_TRUE(is_normalized_domain(name));
    auto again = normalize_domain(name);
    ASSERT_TRUE(again.ok());
    EXPECT_EQ(*again, name);
  }
  for (const char* name : {"MX.example.com", "mx.example.com.", "", "bücher.example",
                           "mx..example", "-a.example", "a_b.example"}) {
    SCOPED_TRACE(name);
    EXPECT_FALSE(is_normalized_domain(name));
  }
}

TEST(DomainName, LdhLabel) {
  const testing::Example<std::string, bool> rows[] = {
      {"a", true},          {"Mail-1", true},      {"123", true},
      {"x--y", true},       {"", false},           {"-a", false},
      {"a-", false},        {"a_b", false},        {"a.b", false},
      {"b\xc3\xbc", false}, {std::string(63, 'a'), true}, {std::string(64, 'a'), false},
  };
  testing::expect_rows(rows, [](const std::string& label) { return is_ldh_label(label); });
}

TEST(DomainName, IdnaToAscii) {
  const HostRow rows[] = {
      {"u-label", "bücher.example", "xn--bcher-kva.example"},
      {"upper case folded", "BÜCHER.Example", "xn--bcher-kva.example"},
      {"ascii unchanged but lower-cased", "MX.Example", "mx.example"},
      // UTS #46 maps U+3002 IDEOGRAPHIC FULL STOP to "."; callers check the structure again.
      {"ideographic full stop", "bücher。example", "xn--bcher-kva.example"},
      {"NUL", std::string("a\0b", 3), std::nullopt},
      {"invalid UTF-8", "m\xff.example", std::nullopt},
  };
  expect_result_rows(rows, [](const std::string& in) { return idna_to_ascii(in); });
}

}  // namespace
}  // namespace stsrelay::core
