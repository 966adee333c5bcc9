#include "smtp/dot_stuffer.hpp"

#include <gtest/gtest.h>

#include "table_test.hpp"

namespace stsrelay::smtp {
namespace {

// Message content in, wire form out.
const testing::Row<std::string, std::string> kRows[] = {
    {"empty message", "", ".\r\n"},
    {"one line", "Subject: x\r\n\r\nhello\r\n", "Subject: x\r\n\r\nhello\r\n.\r\n"},
    {"leading dot doubled (RFC 5321 4.5.2)", "a\r\n.b\r\n", "a\r\n..b\r\n.\r\n"},
    {"a lone dot line", "a\r\n.\r\nb\r\n", "a\r\n..\r\nb\r\n.\r\n"},
    {"dot on the first line", ".x\r\n", "..x\r\n.\r\n"},
    {"two dots", "..\r\n", "...\r\n.\r\n"},
    {"dot not at line start untouched", "a.b\r\n. \r\n", "a.b\r\n.. \r\n.\r\n"},
    {"missing final CRLF completed", "a\r\n.b", "a\r\n..b\r\n.\r\n"},
    {"bare LF becomes CRLF (no smuggling)", "a\n.\nb\r\n", "a\r\n..\r\nb\r\n.\r\n"},
    {"bare CR becomes CRLF", "a\r.\r\n", "a\r\n..\r\n.\r\n"},
    {"trailing bare CR", "a\r", "a\r\n.\r\n"},
    {"CR CR LF", "a\r\r\nb\r\n", "a\r\n\r\nb\r\n.\r\n"},
    {"8-bit kept", "caf\xc3\xa9\r\n", "caf\xc3\xa9\r\n.\r\n"},
};

TEST(DotStuffer, Table) {
  testing::expect_rows(kRows, [](const std::string& content) { return dot_stuff(content); });
}

TEST(DotStuffer, AnySplitGivesTheSameWireForm) {
  for (const auto& row : kRows) {
    SCOPED_TRACE(row.name);
    for (std::size_t cut = 0; cut <= row.in.size(); ++cut) {
      for (std::size_t cut2 = cut; cut2 <= row.in.size(); ++cut2) {
        DotStuffer s;
        std::string out;
        std::string_view c = row.in;
        s.feed(c.substr(0, cut), out);
        s.feed(c.substr(cut, cut2 - cut), out);
        s.feed(c.substr(cut2), out);
        s.finish(out);
        EXPECT_EQ(out, row.want) << "cuts " << cut << "," << cut2;
      }
    }
  }
}

}  // namespace
}  // namespace stsrelay::smtp
