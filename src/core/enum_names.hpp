// The names of an enum's values in one constant list, read both ways: name(value) for a
// to_string() and parse(text) for the matching parse_*(), so that a name is written once and the
// two directions cannot disagree.
//
// For an enum whose values are the default 0, 1, 2, ...: the list holds the names in declaration
// order and is typed by the enum's last value, which it must name (as every value before it):
// a list with a missing, empty or repeated name does not compile. A value added after the last
// one the list names has the fallback name until the list names it too.
//
//   enum class Mode { enforce, testing, none };
//   constexpr core::EnumNameList<Mode::none> kModeNames{{"enforce", "testing", "none"}, "none"};
//
// An enum with chosen values (the DNS record types) keeps its to_string() as a switch.
#pragma once

#include <array>
#include <cstddef>
#include <optional>
#include <string_view>
#include <type_traits>

namespace stsrelay::core {

template <auto Last>
  requires std::is_enum_v<decltype(Last)>
class EnumNameList {
 public:
  using Enum = decltype(Last);
  static constexpr std::size_t kSize =
      static_cast<std::size_t>(static_cast<std::underlying_type_t<Enum>>(Last)) + 1;

  consteval EnumNameList(const std::array<std::string_view, kSize>& names,
                         std::string_view fallback)
      : names_(names), fallback_(fallback) {
    for (std::size_t i = 0; i < kSize; ++i) {
      if (names_[i].empty()) throw "EnumNameList: a value up to the last has no name";
      for (std::size_t j = 0; j < i; ++j) {
        if (names_[i] == names_[j]) throw "EnumNameList: two values have the same name";
      }
    }
  }

  // The name of `value`, or the fallback for a value the list does not name (one made by a
  // cast, read from a newer file, or added to the enum after Last).
  constexpr std::string_view name(Enum value) const {
    const auto i = static_cast<std::size_t>(static_cast<std::underlying_type_t<Enum>>(value));
    return i < kSize ? names_[i] : fallback_;
  }

  // The first value whose name `match` accepts.
  template <typename Match>
  constexpr std::optional<Enum> find(Match match) const {
    for (std::size_t i = 0; i < kSize; ++i) {
      if (match(names_[i])) return static_cast<Enum>(i);
    }
    return std::nullopt;
  }

  // The value named exactly `text` (case-sensitive), if there is one.
  constexpr std::optional<Enum> parse(std::string_view text) const {
    return find([text](std::string_view name) { return name == text; });
  }

  constexpr const std::array<std::string_view, kSize>& names() const { return names_; }

 private:
  std::array<std::string_view, kSize> names_;
  std::string_view fallback_;
};

}  // namespace stsrelay::core
