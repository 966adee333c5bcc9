// The names of an enum's values in one constant table, read both ways: name(value) for a
// to_string() and parse(text) for the matching parse_*(), so that a name is written once and
// the two directions cannot disagree. An enum that is only ever written, never parsed, keeps
// its to_string() as a switch: there -Wswitch names the enumerator a new value left out.
//
//   constexpr core::EnumNames<Mode, 3> kModeNames{{{
//       {Mode::enforce, "enforce"},
//       {Mode::testing, "testing"},
//       {Mode::none, "none"},
//   }}, "none"};
#pragma once

#include <array>
#include <cstddef>
#include <optional>
#include <string_view>
#include <utility>

namespace stsrelay::core {

template <typename E, std::size_t N>
class EnumNames {
 public:
  using Entry = std::pair<E, std::string_view>;

  constexpr EnumNames(const std::array<Entry, N>& entries, std::string_view fallback)
      : entries_(entries), fallback_(fallback) {}

  // The name of `value`, or the fallback for a value the table does not hold (one made by a
  // cast or read from a newer file).
  constexpr std::string_view name(E value) const {
    for (const auto& [v, n] : entries_) {
      if (v == value) return n;
    }
    return fallback_;
  }

  // The value named exactly `text` (case-sensitive), if there is one.
  constexpr std::optional<E> parse(std::string_view text) const {
    for (const auto& [v, n] : entries_) {
      if (n == text) return v;
    }
    return std::nullopt;
  }

  constexpr const std::array<Entry, N>& entries() const { return entries_; }

 private:
  std::array<Entry, N> entries_;
  std::string_view fallback_;
};

}  // namespace stsrelay::core
