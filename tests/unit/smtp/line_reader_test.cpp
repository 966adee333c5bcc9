#include "smtp/line_reader.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace stsrelay::smtp {
namespace {

std::vector<Line> drain(LineReader& r) {
  std::vector<Line> out;
  while (auto l = r.next()) out.push_back(*l);
  return out;
}

TEST(LineReader, SplitsPipelinedCommands) {
  LineReader r(512);
  r.append("MAIL FROM:<a@b.example>\r\nRCPT TO:<c@d.example>\r\nDA");
  EXPECT_TRUE(r.has_line());
  auto lines = drain(r);
  ASSERT_EQ(lines.size(), 2u);
  EXPECT_EQ(lines[0].text, "MAIL FROM:<a@b.example>");
  EXPECT_EQ(lines[0].octets, 25u);
  EXPECT_FALSE(lines[0].bare_lf);
  EXPECT_EQ(lines[1].text, "RCPT TO:<c@d.example>");
  EXPECT_FALSE(r.has_line());
  EXPECT_EQ(r.buffered(), 2u);
  r.append("TA\r\n");
  lines = drain(r);
  ASSERT_EQ(lines.size(), 1u);
  EXPECT_EQ(lines[0].text, "DATA");
}

// A line comes out once its ending is complete, which may arrive in a later chunk; a bare LF
// ends it too, and is reported.
TEST(LineReader, LineEndings) {
  const struct {
    const char* name;
    std::vector<std::string> chunks;
    bool bare_lf;
  } rows[] = {
      {"CR split from LF", {"NOOP\r", "\n"}, false},
      {"bare LF is reported", {"NOOP\n"}, true},
  };
  for (const auto& row : rows) {
    SCOPED_TRACE(row.name);
    LineReader r(512);
    for (std::size_t i = 0; i + 1 < row.chunks.size(); ++i) {
      r.append(row.chunks[i]);
      EXPECT_FALSE(r.next());
    }
    r.append(row.chunks.back());
    auto l = r.next();
    ASSERT_TRUE(l);
    EXPECT_EQ(l->text, "NOOP");
    EXPECT_EQ(l->bare_lf, row.bare_lf);
  }
}

TEST(LineReader, LimitCountsTheLineEnding) {
  LineReader r(10);
  r.append(std::string(8, 'a') + "\r\n" + std::string(9, 'b') + "\r\nok\r\n");
  auto lines = drain(r);
  ASSERT_EQ(lines.size(), 3u);
  EXPECT_FALSE(lines[0].too_long);
  EXPECT_TRUE(lines[1].too_long);
  EXPECT_EQ(lines[1].text, "");
  EXPECT_EQ(lines[2].text, "ok");
}

TEST(LineReader, OverlongLineIsDroppedWithoutBuffering) {
  LineReader r(16);
  for (int i = 0; i < 100; ++i) {
    r.append(std::string(1000, 'x'));
    EXPECT_FALSE(r.next());
    EXPECT_LE(r.buffered(), 1016u);
  }
  r.append("tail\r\nNOOP\r\n");
  auto lines = drain(r);
  ASSERT_EQ(lines.size(), 2u);
  EXPECT_TRUE(lines[0].too_long);
  EXPECT_EQ(lines[1].text, "NOOP");
}

TEST(LineReader, ClearDropsPipelinedInput) {
  LineReader r(512);
  r.append("STARTTLS\r\nMAIL FROM:<evil@example.com>\r\n");
  auto l = r.next();
  ASSERT_TRUE(l);
  EXPECT_EQ(l->text, "STARTTLS");
  r.clear();
  EXPECT_FALSE(r.has_line());
  EXPECT_EQ(r.buffered(), 0u);
}

TEST(LineReader, TakeRestReturnsUnreadBytes) {
  LineReader r(512);
  r.append("DATA\r\nSubject: x\r\n");
  ASSERT_TRUE(r.next());
  EXPECT_EQ(r.take_rest(), "Subject: x\r\n");
  EXPECT_EQ(r.buffered(), 0u);
}

}  // namespace
}  // namespace stsrelay::smtp
