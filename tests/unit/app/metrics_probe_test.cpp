#include "src/app/metrics/metrics_probe.hpp"

#include <gtest/gtest.h>

namespace stsrelay::app {
namespace {

TEST(MetricsProbe, GreetingTable) {
  struct Row {
    const char* name;
    std::string received;
    bool complete;
    bool ok;
    std::string reply;
  };
  const Row rows[] = {
      {"nothing yet", "", false, false, ""},
      {"part of a line", "220 relay.exam", false, false, ""},
      {"greeting", "220 relay.example.org ESMTP\r\n", true, true,
       "220 relay.example.org ESMTP"},
      {"bare LF", "220 relay.example.org\n", true, true, "220 relay.example.org"},
      {"code alone", "220\r\n", true, true, "220"},
      // RFC 5321 §4.2.1: the last line of a multi-line reply has a space after the code.
      {"multi-line, unfinished", "220-relay.example.org\r\n220-more\r\n", false, false, ""},
      {"multi-line", "220-relay.example.org\r\n220 ESMTP\r\n", true, true, "220 ESMTP"},
      // §3.1: 554 instead of 220 when the server will not serve; 421 when it is overloaded.
      {"refusing", "554 5.7.1 no service\r\n", true, false, "554 5.7.1 no service"},
      {"too many connections", "421 4.7.0 too many connections\r\n", true, false,
       "421 4.7.0 too many connections"},
      {"not SMTP", "HTTP/1.1 400 Bad Request\r\n", true, false,
       "not an SMTP greeting: HTTP/1.1 400 Bad Request"},
      {"digits without separator", "2200\r\n", true, false, "not an SMTP greeting: 2200"},
      {"control characters shown as ?", "554 a\x01" "b\r\n", true, false, "554 a?b"},
      {"endless line", std::string(kMaxGreeting, 'x'), true, false,
       "no complete greeting in 4096 octets"},
  };
  for (const Row& row : rows) {
    SCOPED_TRACE(row.name);
    const GreetingVerdict v = judge_greeting(row.received);
    EXPECT_EQ(v.complete, row.complete);
    EXPECT_EQ(v.ok, row.ok);
    EXPECT_EQ(v.reply, row.reply);
  }
}

TEST(MetricsProbe, LongRepliesAreCut) {
  const GreetingVerdict v = judge_greeting("554 " + std::string(1000, 'x') + "\r\n");
  EXPECT_TRUE(v.complete);
  EXPECT_EQ(v.reply.size(), kMaxShownReply);
}

TEST(MetricsProbe, AddressTable) {
  struct Row {
    const char* bound;
    const char* host;  // nullptr: an error
    std::uint16_t port;
  };
  const Row rows[] = {
      {"127.0.0.1:2525", "127.0.0.1", 2525}, {"0.0.0.0:25", "127.0.0.1", 25},
      {"[::]:25", "::1", 25},                {"[::1]:587", "::1", 587},
      {"127.0.0.2:25", "127.0.0.2", 25},     {"localhost:9325", "127.0.0.1", 9325},
      {"nonsense", nullptr, 0},              {"mx.example.com:25", nullptr, 0},
  };
  for (const Row& row : rows) {
    SCOPED_TRACE(row.bound);
    auto a = probe_address(row.bound);
    if (row.host == nullptr) {
      EXPECT_FALSE(a.ok());
      continue;
    }
    ASSERT_TRUE(a.ok()) << a.error().message;
    EXPECT_EQ(a->host, row.host);
    EXPECT_EQ(a->port, row.port);
  }
}

}  // namespace
}  // namespace stsrelay::app
