#include "queue/message_text.hpp"

#include <gtest/gtest.h>

#include "table_test.hpp"

namespace stsrelay::queue {
namespace {

TEST(MessageText, HeaderSectionEndsAtTheFirstEmptyLine) {
  const testing::Row<std::string_view, std::string_view> rows[] = {
      {"crlf", "A: 1\r\nB: 2\r\n\r\nbody\r\n", "A: 1\r\nB: 2\r\n"},
      {"lf", "A: 1\nB: 2\n\nbody\n", "A: 1\nB: 2\n"},
      {"folded header", "A: 1\r\n 2\r\nB: 3\r\n\r\nx\r\n\r\n", "A: 1\r\n 2\r\nB: 3\r\n"},
      {"no body", "A: 1\r\nB: 2\r\n", "A: 1\r\nB: 2\r\n"},
      {"no final line end", "A: 1\r\nB: 2", "A: 1\r\nB: 2"},
      {"empty header section", "\r\nbody\r\n", ""},
      {"empty message", "", ""},
      {"empty line at the end", "A: 1\r\n\r\n", "A: 1\r\n"},
  };
  testing::expect_rows(rows, [](std::string_view content) { return header_section(content); });
}

}  // namespace
}  // namespace stsrelay::queue
