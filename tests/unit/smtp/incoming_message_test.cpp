// Where an arriving message goes (smtp/incoming_message.hpp): memory up to the threshold, then
// the header section in memory and the body in a spool file. The joined content is always the
// message as given, whatever the pieces.
#include "smtp/incoming_message.hpp"

#include <gtest/gtest.h>

#include <string>

#include "temp_dir.hpp"

namespace stsrelay::smtp {
namespace {

constexpr std::size_t kThreshold = 64;

struct Case {
  std::string name;
  std::string message;
  bool spooled;
  std::string head;  // what stays in memory
  bool header_complete;
};

std::string body(std::size_t n) {
  std::string s;
  while (s.size() < n) s += "body line\r\n";
  return s;
}

TEST(IncomingMessage, MemoryOrSpoolByThreshold) {
  const std::string header = "From: a@example.com\r\nSubject: s\r\n\r\n";
  // Longer than the threshold and a piece together: its end is not in memory at the spill.
  const std::string long_header = "X-Long: " + std::string(300, 'h') + "\r\n\r\n";
  const Case cases[] = {
      {"small message", header + "hi\r\n", false, header + "hi\r\n", true},
      {"exactly the threshold", std::string(kThreshold, 'a'), false,
       std::string(kThreshold, 'a'), true},
      {"large message", header + body(300), true, header, true},
      {"empty header section", "\r\n" + body(300), true, "\r\n", true},
      {"header longer than the threshold", long_header + body(300), true, "", false},
      {"no empty line at all", body(300), true, "", false},
  };
  for (const Case& c : cases) {
    // Pieces no larger than the threshold: the spill happens with at most threshold + piece
    // octets in memory, so where the header section is seen to end depends on the piece.
    for (std::size_t piece : {std::size_t{1}, std::size_t{13}, kThreshold}) {
      SCOPED_TRACE(c.name + ", pieces of " + std::to_string(piece));
      stsrelay::testing::TempDir dir("incoming");
      IncomingMessage incoming([&dir] { return core::SpoolFile::create(dir.path()); },
                               kThreshold);
      for (std::size_t pos = 0; pos < c.message.size(); pos += piece) {
        ASSERT_TRUE(incoming.add(c.message.substr(pos, piece)));
      }
      EXPECT_EQ(incoming.spooled(), c.spooled);
      EXPECT_EQ(incoming.header_complete(), c.header_complete);
      core::MessageContent content = incoming.take();
      EXPECT_EQ(content.spooled(), c.spooled);
      EXPECT_EQ(content.head, c.head);
      EXPECT_EQ(content.size(), c.message.size());
      auto whole = core::load_whole(content);
      ASSERT_TRUE(whole) << whole.error().message;
      EXPECT_EQ(*whole, c.message);
    }
  }
}

TEST(IncomingMessage, WithoutSpoolEverythingStaysInMemory) {
  IncomingMessage incoming({}, kThreshold);
  const std::string message = "Subject: s\r\n\r\n" + body(1000);
  ASSERT_TRUE(incoming.add(message));
  EXPECT_FALSE(incoming.spooled());
  EXPECT_EQ(incoming.take().head, message);
}

TEST(IncomingMessage, SpoolThatCannotBeOpenedFailsTheMessage) {
  IncomingMessage incoming(
      [] { return core::SpoolFile::create("/nonexistent-stsrelay-spool-dir"); }, kThreshold);
  auto added = incoming.add("Subject: s\r\n\r\n" + body(200));
  ASSERT_FALSE(added);
  EXPECT_NE(added.error().message.find("/nonexistent-stsrelay-spool-dir"), std::string::npos);
}

TEST(IncomingMessage, SpoolFileLeavesNoNameBehind) {
  stsrelay::testing::TempDir dir("incoming");
  {
    IncomingMessage incoming([&dir] { return core::SpoolFile::create(dir.path()); },
                             kThreshold);
    ASSERT_TRUE(incoming.add("Subject: s\r\n\r\n" + body(200)));
    ASSERT_TRUE(incoming.spooled());
    std::size_t names = 0;
    for ([[maybe_unused]] const auto& e : std::filesystem::directory_iterator(dir.path())) {
      ++names;
    }
    // Only what the test directory held before (its database name is not created here).
    EXPECT_EQ(names, 0u);
  }
}

}  // namespace
}  // namespace stsrelay::smtp
