#include "smtp/data_reader.hpp"

#include <gtest/gtest.h>

namespace stsrelay::smtp {
namespace {

struct DataRow {
  const char* name;
  std::string input;  // everything the client sends after "DATA\r\n" + 354
  DataStatus status;  // need_more: the data has not ended yet
  DataError error;
  std::string message;  // when complete
  std::string rest;     // bytes after the end-of-data marker
};

constexpr auto kMore = DataStatus::need_more;
constexpr auto kDone = DataStatus::complete;
constexpr auto kRefused = DataStatus::rejected;
constexpr auto kNone = DataError::none;
constexpr auto kBare = DataError::bare_cr_lf;

const std::vector<DataRow>& rows() {
  static const std::vector<DataRow> table = {
      {"empty message", ".\r\n", kDone, kNone, "", ""},
      {"one empty line", "\r\n.\r\n", kDone, kNone, "\r\n", ""},
      {"simple", "Subject: x\r\n\r\nbody\r\n.\r\n", kDone, kNone,
       "Subject: x\r\n\r\nbody\r\n", ""},
      {"dot-stuffed line", "a\r\n..b\r\n.\r\n", kDone, kNone, "a\r\n.b\r\n", ""},
      {"dot-stuffed lone dot", "a\r\n..\r\n.\r\n", kDone, kNone, "a\r\n.\r\n", ""},
      {"first line dot-stuffed", "..x\r\n.\r\n", kDone, kNone, ".x\r\n", ""},
      {"dot not at line start", "a.b\r\n.\r\n", kDone, kNone, "a.b\r\n", ""},
      {"unstuffed dot line (not RFC, tolerated)", ".x\r\n.\r\n", kDone, kNone, "x\r\n", ""},
      {"pipelined command after end", "x\r\n.\r\nQUIT\r\n", kDone, kNone, "x\r\n", "QUIT\r\n"},
      {"dot space is not the end", "x\r\n. \r\n.\r\n", kDone, kNone, "x\r\n \r\n", ""},
      {"eight-bit and NUL bytes pass", std::string("\xc3\xa9\0z\r\n.\r\n", 9), kDone, kNone,
       std::string("\xc3\xa9\0z\r\n", 6), ""},
      {"not ended yet", "line\r\n", kMore, kNone, "", ""},
      {"ends mid marker", "line\r\n.\r", kMore, kNone, "", ""},
      // SMTP smuggling: none of these end the data, and all refuse the message.
      {"LF.LF does not end", "a\n.\nMAIL FROM:<x@y.example>\r\n", kMore, kBare, "", ""},
      {"LF.LF then real end", "a\n.\nMAIL FROM:<x@y.example>\r\n.\r\n", kRefused, kBare, "",
       ""},
      {"CR.CR", "a\r.\rRCPT TO:<v@z.example>\r\n.\r\n", kRefused, kBare, "", ""},
      {"LF.CRLF", "a\n.\r\nDATA\r\n.\r\n", kRefused, kBare, "", ""},
      {"CRLF.LF", "a\r\n.\nDATA\r\n.\r\n", kRefused, kBare, "", ""},
      {"CR.CRLF", "a\r.\r\nDATA\r\n.\r\n", kRefused, kBare, "", ""},
      {"CRLF.CR", "a\r\n.\rDATA\r\n.\r\n", kRefused, kBare, "", ""},
      {"CRLF.CRCRLF", "a\r\n.\r\r\n.\r\n", kRefused, kBare, "", ""},
      {"LF.CR", "a\n.\rx\r\n.\r\n", kRefused, kBare, "", ""},
      {"CR.LF", "a\r.\nx\r\n.\r\n", kRefused, kBare, "", ""},
      {"bare LF in line", "a\nb\r\n.\r\n", kRefused, kBare, "", ""},
      {"bare CR in line", "a\rb\r\n.\r\n", kRefused, kBare, "", ""},
      {"CRCRLF", "a\r\r\n.\r\n", kRefused, kBare, "", ""},
      {"LFCRLF", "a\n\r\n.\r\n", kRefused, kBare, "", ""},
      {"bare LF at data start", "\n.\r\n.\r\n", kRefused, kBare, "", ""},
      {"bare CR at data start", "\r.\r\n.\r\n", kRefused, kBare, "", ""},
      {"bare LF after dot", "..\n\r\n.\r\n", kRefused, kBare, "", ""},
      {"bare LF right after CRLF.", "a\r\n.\n\r\n.\r\n", kRefused, kBare, "", ""},
      {"NUL between CR and LF", std::string("a\r\0\n\r\n.\r\n", 9), kRefused, kBare, "", ""},
      {"bare LF only at the end", "a\n\r\n.\r\n", kRefused, kBare, "", ""},
      {"refused data leaves the rest", "a\n.\n\r\n.\r\nQUIT\r\n", kRefused, kBare, "",
       "QUIT\r\n"},
  };
  return table;
}

DataFeed feed_all(DataReader& r, std::string_view input, std::string& rest) {
  DataFeed f = r.feed(input);
  rest = std::string(input.substr(f.consumed));
  return f;
}

TEST(DataReader, Table) {
  for (const auto& row : rows()) {
    SCOPED_TRACE(row.name);
    DataReader r(1 << 20);
    std::string rest;
    DataFeed f = feed_all(r, row.input, rest);
    EXPECT_EQ(f.status, row.status);
    EXPECT_EQ(r.error(), row.error);
    if (row.status != kMore) {
      EXPECT_EQ(rest, row.rest);
    }
    if (row.status == kDone) {
      EXPECT_EQ(r.take_message(), row.message);
    }
    if (row.status == kRefused) {
      EXPECT_EQ(r.take_message(), "");
    }
  }
}

// Splitting the input anywhere, and feeding octet by octet, gives the same outcome: the
// state survives chunk boundaries (a CR at the end of one read, the LF at the start of the next).
TEST(DataReader, EverySplitGivesTheSameOutcome) {
  for (const auto& row : rows()) {
    SCOPED_TRACE(row.name);
    for (std::size_t cut = 0; cut <= row.input.size(); ++cut) {
      DataReader r(1 << 20);
      DataFeed f1 = r.feed(std::string_view(row.input).substr(0, cut));
      std::string rest;
      DataFeed f;
      if (f1.status != kMore) {
        f = f1;
        rest = row.input.substr(f1.consumed);
      } else {
        f = feed_all(r, std::string_view(row.input).substr(cut), rest);
      }
      ASSERT_EQ(f.status, row.status) << "cut at " << cut;
      EXPECT_EQ(r.error(), row.error);
      if (row.status != kMore) {
        EXPECT_EQ(rest, row.rest) << "cut at " << cut;
      }
      if (row.status == kDone) {
        EXPECT_EQ(r.take_message(), row.message) << "cut at " << cut;
      }
    }
    DataReader bytewise(1 << 20);
    DataFeed last;
    std::size_t i = 0;
    for (; i < row.input.size(); ++i) {
      last = bytewise.feed(std::string_view(row.input).substr(i, 1));
      if (last.status != kMore) break;
    }
    EXPECT_EQ(last.status, row.status);
    if (row.status == kDone) {
      EXPECT_EQ(bytewise.take_message(), row.message);
    }
  }
}

TEST(DataReader, SizeLimitCountsWithoutStoring) {
  DataReader r(10);
  std::string rest;
  EXPECT_EQ(r.feed("0123456\r\n").status, kMore);  // 9 octets: fits
  EXPECT_EQ(r.error(), kNone);
  EXPECT_EQ(r.feed("x").status, kMore);  // 10
  EXPECT_EQ(r.error(), kNone);
  EXPECT_EQ(r.feed(std::string(5000, 'y')).status, kMore);
  EXPECT_EQ(r.error(), DataError::too_big);
  DataFeed f = feed_all(r, "\r\n.\r\nRSET\r\n", rest);
  EXPECT_EQ(f.status, kRefused);
  EXPECT_EQ(rest, "RSET\r\n");
  EXPECT_EQ(r.size(), 9u + 1 + 5000 + 2);
  EXPECT_EQ(r.take_message(), "");
}

TEST(DataReader, SizeExactlyAtLimitIsAccepted) {
  DataReader r(5);
  EXPECT_EQ(r.feed("abc\r\n.\r\n").status, kDone);
  EXPECT_EQ(r.take_message(), "abc\r\n");
}

TEST(DataReader, LinesOfAnyLengthWithinTheSizeLimit) {
  // Long lines are taken and kept as they came; smtp/long_lines.hpp makes them fit later.
  const std::size_t lengths[] = {998, 999, 1000, 5000, 100000};
  for (std::size_t octets : lengths) {
    SCOPED_TRACE(octets);
    DataReader r(1 << 20);
    const std::string line = "." + std::string(octets, 'z') + "\r\n";
    DataFeed f = r.feed(line + "short\r\n.\r\n");
    EXPECT_EQ(f.status, kDone);
    EXPECT_EQ(r.error(), kNone);
    EXPECT_EQ(r.take_message(), line.substr(1) + "short\r\n");  // unstuffed
  }
}

TEST(DataReader, LongLinesStillCountTowardsTheSizeLimit) {
  DataReader r(4000);
  EXPECT_EQ(r.feed(std::string(5000, 'z') + "\r\n.\r\n").status, kRefused);
  EXPECT_EQ(r.error(), DataError::too_big);
}

TEST(DataReader, BareLineEndingWinsOverSize) {
  DataReader r(4);
  EXPECT_EQ(r.feed("aaaaaaaa\nb\r\n.\r\n").status, kRefused);
  EXPECT_EQ(r.error(), kBare);
}

TEST(DataReader, FeedAfterEndConsumesNothing) {
  DataReader r(100);
  EXPECT_EQ(r.feed(".\r\n").status, kDone);
  DataFeed again = r.feed("MAIL FROM:<a@b.example>\r\n");
  EXPECT_EQ(again.status, kDone);
  EXPECT_EQ(again.consumed, 0u);
}

}  // namespace
}  // namespace stsrelay::smtp
