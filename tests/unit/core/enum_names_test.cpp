// The enum name list (src/core/enum_names.hpp): both directions, the fallback name, and that
// parsing is exact.
#include "src/core/enum_names.hpp"

#include <gtest/gtest.h>

#include <optional>
#include <string_view>

namespace stsrelay::core {
namespace {

enum class Colour { red, dark_green, blue, later };

constexpr EnumNameList<Colour::blue> kColours{{"red", "dark-green", "blue"}, "unknown"};

// The list is usable in constant expressions and sized by the last value it names.
static_assert(kColours.name(Colour::dark_green) == "dark-green");
static_assert(kColours.parse("blue") == Colour::blue);
static_assert(kColours.names().size() == 3);

TEST(EnumNameList, NameAndParseRoundTrip) {
  for (Colour value : {Colour::red, Colour::dark_green, Colour::blue}) {
    const std::string_view name = kColours.name(value);
    SCOPED_TRACE(name);
    EXPECT_NE(name, "unknown");
    EXPECT_EQ(kColours.parse(name), value);
  }
}

TEST(EnumNameList, ValueOutsideTheListHasTheFallbackName) {
  EXPECT_EQ(kColours.name(Colour::later), "unknown");
  EXPECT_EQ(kColours.name(static_cast<Colour>(42)), "unknown");
  EXPECT_EQ(kColours.name(static_cast<Colour>(-1)), "unknown");
}

TEST(EnumNameList, ParseIsExact) {
  for (std::string_view text : {"", "Red", "RED", "red ", " red", "dark_green", "unknown"}) {
    SCOPED_TRACE(text);
    EXPECT_EQ(kColours.parse(text), std::nullopt);
  }
}

TEST(EnumNameList, FindTakesTheFirstNameThatMatches) {
  EXPECT_EQ(kColours.find([](std::string_view n) { return n.size() == 4; }), Colour::blue);
  EXPECT_EQ(kColours.find([](std::string_view n) { return n.starts_with("dark"); }),
            Colour::dark_green);
  EXPECT_EQ(kColours.find([](std::string_view) { return false; }), std::nullopt);
}

}  // namespace
}  // namespace stsrelay::core
