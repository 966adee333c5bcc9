// MessageScanner (smtp/client_envelope.hpp): the traits of a message read in chunks equal
// describe_message() over the whole, wherever the chunks end (inside the empty line that ends
// the header section, inside a UTF-8 sequence).
#include <gtest/gtest.h>

#include <string>

#include "smtp/client_envelope.hpp"

namespace stsrelay::smtp {
namespace {

TEST(MessageScanner, ChunkedEqualsWhole) {
  const std::string cases[] = {
      "Subject: plain\r\n\r\nbody\r\n",
      "Subject: caf\xc3\xa9\r\n\r\nbody\r\n",
      "Subject: plain\r\n\r\ncaf\xc3\xa9\r\n",
      "\r\nSubject-like body caf\xc3\xa9\r\n",
      "Subject: no empty line caf\xc3\xa9\r\n",
      "A: b\r\n\r\r\n\r\nX: \xc3\xa9\r\n",
      "",
  };
  for (bool smtputf8 : {false, true}) {
    core::Envelope env;
    env.sender = "a@example.com";
    env.smtputf8 = smtputf8;
    env.recipients.push_back({"b@example.com", 0, ""});
    for (const std::string& message : cases) {
      const MessageTraits want = describe_message(env, message);
      for (std::size_t size = 1; size <= message.size() + 1; ++size) {
        SCOPED_TRACE(message + " in chunks of " + std::to_string(size));
        MessageScanner scanner;
        for (std::size_t pos = 0; pos < message.size(); pos += size) {
          scanner.feed(std::string_view(message).substr(pos, size));
        }
        const MessageTraits got = scanner.traits(env, message.size());
        EXPECT_EQ(got.size, want.size);
        EXPECT_EQ(got.eight_bit, want.eight_bit);
        EXPECT_EQ(got.needs_smtputf8, want.needs_smtputf8);
      }
    }
  }
}

TEST(MessageScanner, HeaderUtf8NeedsSmtputf8OnlyInTheHeader) {
  core::Envelope env;
  env.sender = "a@example.com";
  env.smtputf8 = true;
  env.recipients.push_back({"b@example.com", 0, ""});
  MessageScanner body_only;
  body_only.feed("Subject: x\r\n\r\ncaf\xc3\xa9\r\n");
  EXPECT_TRUE(body_only.traits(env, 0).eight_bit);
  EXPECT_FALSE(body_only.traits(env, 0).needs_smtputf8);
  MessageScanner header;
  header.feed("Subject: caf\xc3\xa9\r\n\r\nx\r\n");
  EXPECT_TRUE(header.traits(env, 0).needs_smtputf8);
}

}  // namespace
}  // namespace stsrelay::smtp
