// smtp/mime_entity.hpp: the MIME tree as byte ranges, and its tolerance.
#include "smtp/mime_entity.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace stsrelay::smtp {
namespace {

// The tree in a compact form: kind, then the children in brackets; each leaf with its body.
std::string shape(const MimeEntity& e, std::string_view message) {
  switch (e.kind) {
    case EntityKind::leaf:
      return "leaf(" + std::string(e.body.of(message)) + ")";
    case EntityKind::opaque:
      return "opaque";
    case EntityKind::message:
      return "message[" + shape(e.children.at(0), message) + "]";
    case EntityKind::multipart: {
      std::string out = "multipart" + std::string(e.closed ? "" : "-unclosed") + "[";
      for (const MimeEntity& child : e.children) out += shape(child, message) + " ";
      return out + "]";
    }
  }
  return "?";
}

const std::string kMultipart =
    "Content-Type: multipart/mixed; boundary=\"b1\"\r\n"
    "\r\n"
    "preamble\r\n"
    "--b1\r\n"
    "Content-Type: text/plain\r\n"
    "\r\n"
    "one\r\n"
    "--b1 \t\r\n"
    "\r\n"
    "two\r\n"
    "--b1X\r\n"
    "still two\r\n"
    "--b1--\r\n"
    "epilogue\r\n";

TEST(MimeEntity, MultipartRanges) {
  const MimeEntity e = parse_mime(kMultipart);
  ASSERT_EQ(e.kind, EntityKind::multipart);
  EXPECT_TRUE(e.message_root);
  EXPECT_EQ(e.boundary, "b1");
  EXPECT_EQ(e.preamble.of(kMultipart), "preamble\r\n");
  ASSERT_EQ(e.delimiters.size(), 3u);
  EXPECT_EQ(e.delimiters[1].of(kMultipart), "--b1 \t");
  EXPECT_EQ(e.delimiters[2].of(kMultipart), "--b1--");
  EXPECT_EQ(e.epilogue.of(kMultipart), "epilogue\r\n");
  ASSERT_EQ(e.children.size(), 2u);
  EXPECT_EQ(e.children[0].whole.of(kMultipart), "Content-Type: text/plain\r\n\r\none");
  EXPECT_FALSE(e.children[0].message_root);
  EXPECT_EQ(e.children[1].body.of(kMultipart), "two\r\n--b1X\r\nstill two");
  EXPECT_TRUE(e.children[1].header.has_separator);
  EXPECT_TRUE(e.children[1].is_text());
}

TEST(MimeEntity, ShapeTable) {
  struct Row {
    const char* name;
    std::string message;
    std::string shape;
  };
  const std::vector<Row> rows = {
      {"plain message", "Subject: x\r\n\r\nhello\r\n", "leaf(hello\r\n)"},
      {"empty message", "", "leaf()"},
      {"nested multipart",
       "Content-Type: multipart/mixed; boundary=o\r\n\r\n--o\r\n"
       "Content-Type: multipart/alternative; boundary=i\r\n\r\n--i\r\n\r\nt\r\n--i\r\n\r\nh\r\n"
       "--i--\r\n--o\r\n\r\na\r\n--o--\r\n",
       "multipart[multipart[leaf(t) leaf(h) ] leaf(a) ]"},
      {"message/rfc822 part",
       "Content-Type: multipart/mixed; boundary=o\r\n\r\n--o\r\n"
       "Content-Type: message/rfc822\r\n\r\nSubject: in\r\n\r\ninner\r\n--o--\r\n",
       "multipart[message[leaf(inner)] ]"},
      {"missing close delimiter: the last part runs to the end",
       "Content-Type: multipart/mixed; boundary=o\r\n\r\n--o\r\n\r\na\r\n--o\r\n\r\nb\r\n",
       "multipart-unclosed[leaf(a) leaf(b\r\n) ]"},
      {"empty parts", "Content-Type: multipart/mixed; boundary=o\r\n\r\n--o\r\n--o\r\n\r\n--o--",
       "multipart[leaf() leaf() ]"},
      {"a close delimiter only", "Content-Type: multipart/mixed; boundary=o\r\n\r\nx\r\n--o--\r\n",
       "multipart[]"},
      {"no boundary parameter", "Content-Type: multipart/mixed\r\n\r\n--o\r\n\r\na\r\n", "opaque"},
      {"boundary never found", "Content-Type: multipart/mixed; boundary=z\r\n\r\n--o\r\n",
       "opaque"},
      {"other message/* subtype", "Content-Type: message/partial; id=1\r\n\r\nx\r\n", "opaque"},
      {"base64 composite is a leaf",
       "Content-Type: message/rfc822\r\nContent-Transfer-Encoding: base64\r\n\r\nQQ==\r\n",
       "leaf(QQ==\r\n)"},
      {"digest parts default to message/rfc822",
       "Content-Type: multipart/digest; boundary=d\r\n\r\n--d\r\n\r\nSubject: a\r\n\r\nA\r\n"
       "--d--\r\n",
       "multipart[message[leaf(A)] ]"},
      {"multipart without an empty line after its header",
       "Content-Type: multipart/mixed; boundary=o\r\n--o\r\n\r\na\r\n--o--\r\n",
       "multipart[leaf(a) ]"},
      {"delimiter at the very end without CRLF",
       "Content-Type: multipart/mixed; boundary=o\r\n\r\n--o\r\n\r\na\r\n--o",
       "multipart-unclosed[leaf(a) leaf() ]"},
  };
  for (const Row& row : rows) {
    SCOPED_TRACE(row.name);
    EXPECT_EQ(shape(parse_mime(row.message), row.message), row.shape);
  }
}

TEST(MimeEntity, DepthLimit) {
  std::string message;
  for (int i = 0; i < 40; ++i) message += "Content-Type: message/rfc822\r\n\r\n";
  message += "body\r\n";
  const MimeEntity root = parse_mime(message, 4);
  const MimeEntity* e = &root;
  int depth = 0;
  while (e->kind == EntityKind::message) {
    e = &e->children.at(0);
    ++depth;
  }
  EXPECT_EQ(depth, 4);
  EXPECT_EQ(e->kind, EntityKind::opaque);
  EXPECT_TRUE(e->message_root);
}

}  // namespace
}  // namespace stsrelay::smtp
