// Large messages through the server with a spooling sink: the body goes to a spool file while
// it arrives, the header fixups still apply, and what is stored is byte for byte what a message
// kept in memory would have given. A large message with a line over 998 octets takes the rare
// path (read back whole, long-line fixup) and is fixed like a small one.
#include <gtest/gtest.h>

#include "server_fixture.hpp"

namespace stsrelay::smtp::testing {
namespace {

class ServerSpoolTest : public ServerFixture {
 protected:
  // Sends `message` (already dot-stuffed, without the final ".") in one transaction; returns
  // the reply to the end of data.
  std::string send_message(const std::string& message) {
    auto c = connect();
    c->reply();
    c->send("EHLO c\r\nMAIL FROM:<a@example.com>\r\nRCPT TO:<b@example.net>\r\nDATA\r\n");
    for (int i = 0; i < 4; ++i) c->reply();
    c->send(message + ".\r\nQUIT\r\n");
    std::string reply = c->reply_line();
    c->reply();
    return reply;
  }

  ServerSettings settings() {
    ServerSettings s = base_settings();
    s.max_message_size = 8 * 1024 * 1024;
    return s;
  }
};

std::string short_lines(std::size_t bytes) {
  std::string body;
  for (int i = 0; body.size() < bytes; ++i) {
    body += "QUJDREVGR0hJSktMTU5PUFFSU1RVVldYWVphYmNkZWZnaGlqa2xtbm9wcXJzdHV2d3h5ej" +
            std::to_string(i % 10) + "\r\n";
  }
  return body;
}

TEST_F(ServerSpoolTest, LargeMessageIsSpooledAndStoredWhole) {
  sink_.spool_into(dir());
  start(settings());
  const std::string header = "From: a@example.com\r\nSubject: big\r\n\r\n";
  const std::string body = short_lines(3 * 1024 * 1024);
  EXPECT_EQ(send_message(header + body), "250 2.0.0 Ok: queued as Q1");
  auto stored = sink_.stored();
  ASSERT_EQ(stored.size(), 1u);
  EXPECT_EQ(sink_.spooled(), 1u);
  const std::string& content = stored[0].content;
  ASSERT_TRUE(content.starts_with("Received: ")) << content.substr(0, 300);
  // The missing Date: and Message-ID: go at the end of the header section, as for a small one.
  const std::size_t end = content.find("\r\n\r\n");
  ASSERT_NE(end, std::string::npos);
  const std::string head = content.substr(0, end + 4);
  EXPECT_NE(head.find("Subject: big\r\nDate: "), std::string::npos) << head;
  EXPECT_NE(head.find("Message-ID: <Q1."), std::string::npos) << head;
  EXPECT_EQ(content.substr(end + 4), body);
}

TEST_F(ServerSpoolTest, SpooledAndInMemoryGiveTheSameBytes) {
  const std::string message =
      "From: a@example.com\r\nSubject: same\r\nDate: x\r\nMessage-ID: <m@example.com>\r\n\r\n" +
      short_lines(2 * 1024 * 1024);
  start(settings());
  EXPECT_EQ(send_message(message), "250 2.0.0 Ok: queued as Q1");
  sink_.spool_into(dir());
  EXPECT_EQ(send_message(message), "250 2.0.0 Ok: queued as Q2");
  auto stored = sink_.stored();
  ASSERT_EQ(stored.size(), 2u);
  EXPECT_EQ(sink_.spooled(), 1u);
  // Only the queue id in the Received: line differs.
  std::string first = stored[0].content;
  std::string second = stored[1].content;
  first.replace(first.find("id Q1"), 5, "id Q?");
  second.replace(second.find("id Q2"), 5, "id Q?");
  EXPECT_EQ(first, second);
}

TEST_F(ServerSpoolTest, LongLineInALargeMessageIsFixed) {
  sink_.spool_into(dir());
  start(settings());
  const std::string body = short_lines(1536 * 1024) + std::string(5000, 'x') + "\r\n";
  EXPECT_EQ(send_message("From: a@example.com\r\nSubject: long\r\n\r\n" + body),
            "250 2.0.0 Ok: queued as Q1");
  auto stored = sink_.stored();
  ASSERT_EQ(stored.size(), 1u);
  const std::string& content = stored[0].content;
  EXPECT_NE(content.find("Content-Transfer-Encoding: quoted-printable\r\n"), std::string::npos);
  EXPECT_EQ(content.find(std::string(999, 'x')), std::string::npos);
}

TEST_F(ServerSpoolTest, SpoolDirectoryGoneAnswers451) {
  sink_.spool_into(dir() / "missing");
  start(settings());
  EXPECT_TRUE(send_message("Subject: s\r\n\r\n" + short_lines(2 * 1024 * 1024))
                  .starts_with("451 4.3.0 "));
  EXPECT_TRUE(sink_.stored().empty());
}

}  // namespace
}  // namespace stsrelay::smtp::testing
