// Table tests: each row names its case, holds the input and the wanted result, and is checked
// under its name (SCOPED_TRACE), so that a failure says which row of which table it was.
//
//   const testing::Row<std::string_view, bool> rows[] = {{"empty label", "", false}, ...};
//   testing::expect_rows(rows, [](std::string_view in) { return is_ldh_label(in); });
//
// testing::Example is the same row without a name, for tables whose inputs are their names.
#pragma once

#include <gtest/gtest.h>

#include <optional>
#include <source_location>
#include <string>
#include <string_view>
#include <type_traits>

namespace stsrelay::testing {

template <typename In, typename Want>
struct Row {
  std::string name;
  In in;
  Want want;
};

// A row of a table whose inputs name themselves.
template <typename In, typename Want>
struct Example {
  In in;
  Want want;
};

template <typename T>
std::string label_of(const T& value) {
  if constexpr (std::is_convertible_v<const T&, std::string_view>) {
    return std::string(std::string_view(value));
  } else {
    return ::testing::PrintToString(value);
  }
}

// What a failure is traced with: the row's name, or its input for a table without names.
template <typename R>
std::string row_label(const R& row) {
  if constexpr (requires { row.name; }) {
    return label_of(row.name);
  } else {
    return label_of(row.in);
  }
}

// Calls `check(row)` for every row, each under its label and the table's place in the test.
template <typename Rows, typename Check>
void for_each_row(const Rows& rows, std::source_location where, Check check) {
  for (const auto& row : rows) {
    ::testing::ScopedTrace trace(where.file_name(), static_cast<int>(where.line()),
                                 row_label(row));
    check(row);
  }
}

// Expects `f(row.in) == row.want` for every row.
template <typename Rows, typename F>
void expect_rows(const Rows& rows, F f,
                 std::source_location where = std::source_location::current()) {
  for_each_row(rows, where, [&f](const auto& row) { EXPECT_EQ(f(row.in), row.want); });
}

// For an `f` that returns a Result: where row.want holds a value, f must give it; where it is
// nullopt, f must refuse with a message.
template <typename Rows, typename F>
void expect_result_rows(const Rows& rows, F f,
                        std::source_location where = std::source_location::current()) {
  for_each_row(rows, where, [&f](const auto& row) {
    const auto got = f(row.in);
    if (row.want) {
      if (!got.ok()) {
        ADD_FAILURE() << "refused: " << got.error().message;
        return;
      }
      EXPECT_EQ(*got, *row.want);
    } else if (got.ok()) {
      ADD_FAILURE() << "accepted: " << ::testing::PrintToString(*got);
    } else {
      EXPECT_FALSE(got.error().message.empty());
    }
  });
}

}  // namespace stsrelay::testing
