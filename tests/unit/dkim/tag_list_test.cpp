// DKIM tag=value lists (RFC 6376 §3.2).
#include "src/dkim/tag_list.hpp"

#include <gtest/gtest.h>

namespace stsrelay::dkim {
namespace {

TEST(TagList, Parses) {
  auto list = parse_tag_list(" v=1; a=rsa-sha256;\r\n\td=example.org ; s = s1;\r\n h=From : To;");
  ASSERT_TRUE(list) << list.error().message;
  ASSERT_EQ(list->tags.size(), 5u);
  EXPECT_EQ(list->get("v"), "1");
  EXPECT_EQ(list->get("d"), "example.org");
  EXPECT_EQ(list->get("s"), "s1");
  EXPECT_EQ(list->get("h"), "From:To");
  EXPECT_EQ(list->get("D"), std::nullopt);  // names are case-sensitive
  EXPECT_EQ(list->tags.front().first, "v");
}

TEST(TagList, FoldedBase64IsJoined) {
  auto list = parse_tag_list("v=DKIM1; k=rsa; p=MIIB\r\n IjAN Bgkq");
  ASSERT_TRUE(list) << list.error().message;
  EXPECT_EQ(list->get("p"), "MIIBIjANBgkq");
}

TEST(TagList, Refused) {
  struct Row {
    const char* text;
    const char* error;
  };
  const Row rows[] = {
      {"v=1; d", "tag \"d\" has no \"=\""},
      {"v=1; 1x=2", "\"1x\" is not a tag name"},
      {"v=1; d=a; d=b", "tag \"d\" appears twice"},
      {"v=1;; d=a", "an empty tag between two \";\""},
      {"=x", "\"\" is not a tag name"},
  };
  for (const Row& row : rows) {
    SCOPED_TRACE(row.text);
    auto list = parse_tag_list(row.text);
    ASSERT_FALSE(list);
    EXPECT_EQ(list.error().message, row.error);
  }
}

TEST(TagList, EmptyAndTrailingSemicolon) {
  EXPECT_TRUE(parse_tag_list("")->tags.empty());
  EXPECT_EQ(parse_tag_list("a=b;")->tags.size(), 1u);
}

}  // namespace
}  // namespace stsrelay::dkim
