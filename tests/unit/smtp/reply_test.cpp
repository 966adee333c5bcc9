#include "smtp/reply.hpp"

#include <gtest/gtest.h>

namespace stsrelay::smtp {
namespace {

struct ReplyRow {
  const char* name;
  Reply reply;
  std::string wire;
};

TEST(FormatReply, Table) {
  const ReplyRow rows[] = {
      {"one line with enhanced code", make_reply(250, "2.1.0", "Ok"), "250 2.1.0 Ok\r\n"},
      {"greeting without enhanced code", make_reply(220, "", "mx.example ESMTP stsrelay"),
       "220 mx.example ESMTP stsrelay\r\n"},
      {"multi-line", Reply{250, "", {"mx.example", "PIPELINING", "8BITMIME"}},
       "250-mx.example\r\n250-PIPELINING\r\n250 8BITMIME\r\n"},
      {"multi-line with enhanced code on every line", Reply{214, "2.0.0", {"a", "b"}},
       "214-2.0.0 a\r\n214 2.0.0 b\r\n"},
      {"empty 334 challenge", make_reply(334, "", ""), "334 \r\n"},
      {"no lines", Reply{250, "2.0.0", {}}, "250 2.0.0\r\n"},
      {"CR and LF in text neutralised", make_reply(550, "5.1.1", "a\r\n250 ok"),
       "550 5.1.1 a  250 ok\r\n"},
  };
  for (const auto& row : rows) {
    SCOPED_TRACE(row.name);
    EXPECT_EQ(format_reply(row.reply), row.wire);
  }
}

TEST(FormatReply, Summary) {
  EXPECT_EQ(summary(make_reply(451, "4.3.0", "try later")), "451 4.3.0 try later");
  EXPECT_EQ(summary(make_reply(354, "", "go")), "354 go");
}

}  // namespace
}  // namespace stsrelay::smtp
