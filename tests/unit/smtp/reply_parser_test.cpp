#include "smtp/reply_parser.hpp"

#include <gtest/gtest.h>

#include <optional>

namespace stsrelay::smtp {
namespace {

struct Row {
  const char* name;
  std::string input;
  std::optional<Reply> reply;  // nullopt: an error is expected (or need_more when `more`)
  bool more = false;
};

TEST(ReplyParser, Table) {
  const Row rows[] = {
      {"one line", "250 OK\r\n", Reply{250, "", {"OK"}}},
      {"greeting", "220 mx.example.test ESMTP ready\r\n",
       Reply{220, "", {"mx.example.test ESMTP ready"}}},
      {"multi-line EHLO", "250-mx.example.test\r\n250-PIPELINING\r\n250 SIZE 1000\r\n",
       Reply{250, "", {"mx.example.test", "PIPELINING", "SIZE 1000"}}},
      {"enhanced code removed from every line",
       "550-5.1.1 no such user\r\n550 5.1.1 try again never\r\n",
       Reply{550, "5.1.1", {"no such user", "try again never"}}},
      {"enhanced code with three-digit parts", "451 4.123.456 odd\r\n",
       Reply{451, "4.123.456", {"odd"}}},
      {"enhanced code alone", "250 2.0.0\r\n", Reply{250, "2.0.0", {""}}},
      {"enhanced class must match the code", "550 4.1.1 mixed\r\n",
       Reply{550, "", {"4.1.1 mixed"}}},
      {"no enhanced code on 354", "354 3.0.0 go ahead\r\n", Reply{354, "", {"3.0.0 go ahead"}}},
      {"four-digit subject is text", "250 2.1234.0 x\r\n", Reply{250, "", {"2.1234.0 x"}}},
      {"version number is not a status code", "220 2.5 server\r\n",
       Reply{220, "", {"2.5 server"}}},
      {"code alone", "250\r\n", Reply{250, "", {""}}},
      {"code and space", "250 \r\n", Reply{250, "", {""}}},
      {"dash with empty text", "250-\r\n250 last\r\n", Reply{250, "", {"", "last"}}},
      {"bare LF accepted", "250-a\n250 b\n", Reply{250, "", {"a", "b"}}},
      {"text keeps inner CR", "250 a\rb\r\n", Reply{250, "", {"a\rb"}}},
      {"8-bit text kept", "250 caf\xc3\xa9\r\n", Reply{250, "", {"caf\xc3\xa9"}}},
      {"partial line needs more", "250 O", std::nullopt, true},
      {"partial multi-line needs more", "250-a\r\n250-b\r\n", std::nullopt, true},
      {"empty input needs more", "", std::nullopt, true},
      {"no code", "hello\r\n", std::nullopt},
      {"short code", "25\r\n", std::nullopt},
      {"first digit 1", "150 x\r\n", std::nullopt},
      {"first digit 6", "650 x\r\n", std::nullopt},
      {"second digit 6", "260 x\r\n", std::nullopt},
      {"bad separator", "250+x\r\n", std::nullopt},
      {"empty line", "\r\n", std::nullopt},
      {"code changes mid-reply", "250-a\r\n251 b\r\n", std::nullopt},
      {"trailing bytes after the reply", "250 a\r\n250 b\r\n", std::nullopt},
  };
  for (const Row& row : rows) {
    SCOPED_TRACE(row.name);
    ReplyStep step = parse_reply(row.input);
    if (row.reply) {
      ASSERT_TRUE(std::holds_alternative<Reply>(step))
          << (std::holds_alternative<ReplyError>(step) ? std::get<ReplyError>(step).reason
                                                       : "need more");
      EXPECT_EQ(std::get<Reply>(step), *row.reply);
    } else if (row.more) {
      EXPECT_TRUE(std::holds_alternative<NeedMore>(step));
    } else {
      EXPECT_TRUE(std::holds_alternative<ReplyError>(step));
    }
  }
}

TEST(ReplyParser, ByteByByteGivesTheSameReply) {
  const std::string text = "250-mx.example.test\r\n250-8BITMIME\r\n250 2.0.0 SIZE 10\r\n";
  ReplyParser parser;
  std::optional<Reply> got;
  for (std::size_t i = 0; i < text.size(); ++i) {
    std::string_view one = std::string_view(text).substr(i, 1);
    ReplyStep step = parser.feed(one);
    EXPECT_TRUE(one.empty());
    if (i + 1 < text.size()) {
      ASSERT_TRUE(std::holds_alternative<NeedMore>(step)) << i;
      EXPECT_TRUE(parser.in_reply());
    } else {
      ASSERT_TRUE(std::holds_alternative<Reply>(step));
      got = std::get<Reply>(step);
    }
  }
  EXPECT_FALSE(parser.in_reply());
  // The first line carries no enhanced code, so the last line's text is kept whole.
  EXPECT_EQ(got->lines,
            (std::vector<std::string>{"mx.example.test", "8BITMIME", "2.0.0 SIZE 10"}));
  EXPECT_EQ(got->enhanced, "");
}

TEST(ReplyParser, PipelinedRepliesComeOutOneByOneInOrder) {
  std::string_view input = "250 2.1.0 sender ok\r\n250 2.1.5 ok\r\n450 4.2.0 busy\r\n354 go";
  ReplyParser parser;
  std::vector<int> codes;
  for (;;) {
    ReplyStep step = parser.feed(input);
    if (!std::holds_alternative<Reply>(step)) {
      EXPECT_TRUE(std::holds_alternative<NeedMore>(step));
      break;
    }
    codes.push_back(std::get<Reply>(step).code);
  }
  EXPECT_EQ(codes, (std::vector<int>{250, 250, 450}));
  EXPECT_TRUE(input.empty());
  std::string_view rest = " ahead\r\n";
  ReplyStep last = parser.feed(rest);
  ASSERT_TRUE(std::holds_alternative<Reply>(last));
  EXPECT_EQ(std::get<Reply>(last), (Reply{354, "", {"go ahead"}}));
}

TEST(ReplyParser, HugeLineFailsAtTheLimitWithoutGrowing) {
  ReplyParser parser(ReplyLimits{512, 10});
  const std::string chunk(64 * 1024, 'x');
  std::string first = "250 ";
  std::string_view in = first;
  ASSERT_TRUE(std::holds_alternative<NeedMore>(parser.feed(in)));
  std::size_t fed = 0;
  ReplyStep step = NeedMore{};
  // 10 MB offered in 64 KiB reads: the first read that crosses 512 octets ends it.
  while (fed < 10 * 1024 * 1024 && std::holds_alternative<NeedMore>(step)) {
    std::string_view c = chunk;
    step = parser.feed(c);
    fed += chunk.size();
  }
  ASSERT_TRUE(std::holds_alternative<ReplyError>(step));
  EXPECT_EQ(fed, chunk.size());
  EXPECT_EQ(std::get<ReplyError>(step).reason, "reply line longer than 512 octets");
  EXPECT_TRUE(parser.failed());
  std::string_view more = "250 OK\r\n";
  EXPECT_TRUE(std::holds_alternative<ReplyError>(parser.feed(more)));  // stays failed
}

TEST(ReplyParser, LineLimitCountsTheLineEnding) {
  const std::string line = "250 " + std::string(506, 'a') + "\r\n";  // 512 octets
  EXPECT_TRUE(std::holds_alternative<Reply>(parse_reply(line, {512, 10})));
  EXPECT_TRUE(std::holds_alternative<ReplyError>(parse_reply("250 a" + line, {512, 10})));
}

TEST(ReplyParser, TooManyLines) {
  std::string text;
  for (int i = 0; i < 5; ++i) text += "250-x\r\n";
  text += "250 end\r\n";
  EXPECT_TRUE(std::holds_alternative<Reply>(parse_reply(text, {512, 6})));
  ReplyStep step = parse_reply(text, {512, 5});
  ASSERT_TRUE(std::holds_alternative<ReplyError>(step));
  EXPECT_EQ(std::get<ReplyError>(step).reason, "reply has more than 5 lines");
}

}  // namespace
}  // namespace stsrelay::smtp
