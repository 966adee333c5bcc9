// The DATA reader's output taken in pieces while reading goes on (take_output), as the session
// does for a large message: the pieces joined equal the message read in one go, wherever the
// input is cut and whenever the output is taken. And the long-line flag (RFC 5322 §2.1.1).
#include <gtest/gtest.h>

#include <string>
#include <string_view>

#include "smtp/data_reader.hpp"
#include "table_test.hpp"

namespace stsrelay::smtp {
namespace {

const std::string& sample() {
  static const std::string data = [] {
    std::string s = "From: a@example.com\r\nSubject: x\r\n\r\n";
    for (int i = 0; i < 50; ++i) s += (i % 7 == 0 ? ".." : "") + std::string("line ") +
                                      std::to_string(i) + "\r\n";
    s += "\r\n.\r\n";
    return s;
  }();
  return data;
}

std::string whole_message(std::string_view input) {
  DataReader reader(1 << 20);
  EXPECT_EQ(reader.feed(input).status, DataStatus::complete);
  return reader.take_message();
}

TEST(DataReaderOutput, PiecesJoinedEqualTheWholeMessage) {
  const std::string want = whole_message(sample());
  // Input cut every `step` octets; output taken after every `take_every`-th feed.
  for (std::size_t step = 1; step <= 64; step += 3) {
    for (std::size_t take_every = 1; take_every <= 4; ++take_every) {
      SCOPED_TRACE("step " + std::to_string(step) + " take every " + std::to_string(take_every));
      DataReader reader(1 << 20);
      std::string joined;
      DataFeed feed;
      std::size_t feeds = 0;
      for (std::size_t pos = 0; pos < sample().size(); pos += step) {
        feed = reader.feed(std::string_view(sample()).substr(pos, step));
        if (++feeds % take_every == 0) joined += reader.take_output();
        if (feed.status != DataStatus::need_more) break;
      }
      ASSERT_EQ(feed.status, DataStatus::complete);
      joined += reader.take_message();
      EXPECT_EQ(joined, want);
      EXPECT_EQ(reader.size(), want.size());
    }
  }
}

TEST(DataReaderOutput, BufferedCountsWhatWasNotTaken) {
  DataReader reader(1 << 20);
  (void)reader.feed("abc\r\n");
  EXPECT_EQ(reader.buffered(), 5u);
  EXPECT_EQ(reader.take_output(), "abc\r\n");
  EXPECT_EQ(reader.buffered(), 0u);
  (void)reader.feed("de\r\n.\r\n");
  EXPECT_EQ(reader.take_message(), "de\r\n");
}

std::string line(std::size_t n) { return std::string(n, 'x'); }

TEST(DataReaderOutput, LongLineFlag) {
  const testing::Row<std::string, bool> rows[] = {
      {"empty message", ".\r\n", false},
      {"998 octets", line(998) + "\r\n.\r\n", false},
      {"999 octets", line(999) + "\r\n.\r\n", true},
      {"999 octets with a stuffed dot (998 after unstuffing)", "." + line(998) + "\r\n.\r\n",
       false},
      {"long last line before the end", "a\r\n" + line(1200) + "\r\n.\r\n", true},
      {"many short lines adding up", [] {
         std::string s;
         for (int i = 0; i < 100; ++i) s += line(20) + "\r\n";
         return s + ".\r\n";
       }(), false},
  };
  // Fed whole and fed in 7-octet pieces: the flag does not depend on where reads end.
  testing::expect_rows(rows, [](const std::string& in) {
    DataReader whole(1 << 20);
    (void)whole.feed(in);
    DataReader pieces(1 << 20);
    for (std::size_t pos = 0; pos < in.size(); pos += 7) {
      (void)pieces.feed(std::string_view(in).substr(pos, 7));
    }
    EXPECT_EQ(whole.has_long_line(), pieces.has_long_line());
    return whole.has_long_line();
  });
}

}  // namespace
}  // namespace stsrelay::smtp
