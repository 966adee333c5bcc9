// The enum name table (src/core/enum_names.hpp): both directions, the fallback name, and that
// parsing is exact.
#include "src/core/enum_names.hpp"

#include <gtest/gtest.h>

#include <optional>
#include <string_view>

namespace stsrelay::core {
namespace {

enum class Colour { red, dark_green, blue };

constexpr EnumNames<Colour, 3> kColours{{{
    {Colour::red, "red"},
    {Colour::dark_green, "dark-green"},
    {Colour::blue, "blue"},
}}, "unknown"};

// The table is usable in constant expressions.
static_assert(kColours.name(Colour::dark_green) == "dark-green");
static_assert(kColours.parse("blue") == Colour::blue);
static_assert(kColours.entries().size() == 3);

TEST(EnumNames, NameAndParseRoundTrip) {
  for (const auto& [value, name] : kColours.entries()) {
    SCOPED_TRACE(name);
    EXPECT_EQ(kColours.name(value), name);
    EXPECT_EQ(kColours.parse(name), value);
  }
}

TEST(EnumNames, ValueOutsideTheTableHasTheFallbackName) {
  EXPECT_EQ(kColours.name(static_cast<Colour>(42)), "unknown");
}

TEST(EnumNames, ParseIsExact) {
  for (std::string_view text : {"", "Red", "RED", "red ", " red", "dark_green", "unknown"}) {
    SCOPED_TRACE(text);
    EXPECT_EQ(kColours.parse(text), std::nullopt);
  }
}

}  // namespace
}  // namespace stsrelay::core
