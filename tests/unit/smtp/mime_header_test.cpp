// smtp/mime_header.hpp: where a header ends, its fields, Content-Type and
// Content-Transfer-Encoding.
#include "smtp/mime_header.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace stsrelay::smtp {
namespace {

TEST(MimeHeader, SplitTable) {
  struct Row {
    const char* name;
    std::string entity;
    std::vector<std::string> raw_fields;
    std::string body;
    bool has_separator;
  };
  const std::vector<Row> rows = {
      {"header and body", "From: a@example.com\r\nSubject: hi\r\n\r\nbody\r\n",
       {"From: a@example.com\r\n", "Subject: hi\r\n"}, "body\r\n", true},
      {"folded field", "Subject: a\r\n b\r\n\tc\r\nTo: x\r\n\r\n",
       {"Subject: a\r\n b\r\n\tc\r\n", "To: x\r\n"}, "", true},
      {"obsolete space before the colon", "Subject : hi\r\n\r\nb", {"Subject : hi\r\n"}, "b",
       true},
      {"empty header", "\r\nbody\r\n", {}, "body\r\n", true},
      {"all header, no empty line", "From: a\r\nTo: b\r\n", {"From: a\r\n", "To: b\r\n"}, "",
       false},
      {"last field without CRLF", "Content-Type: text/plain", {"Content-Type: text/plain"}, "",
       false},
      {"a non-field line starts the body", "From: a\r\nhello world\r\n\r\nmore\r\n",
       {"From: a\r\n"}, "hello world\r\n\r\nmore\r\n", false},
      {"a boundary line starts the body", "Content-Type: multipart/mixed\r\n--b\r\n",
       {"Content-Type: multipart/mixed\r\n"}, "--b\r\n", false},
      {"a first continuation line is body", " folded\r\nFrom: a\r\n\r\n", {},
       " folded\r\nFrom: a\r\n\r\n", false},
      {"a line with a colon but a space in the name is body", "From: a\r\nnot a: field\r\n",
       {"From: a\r\n"}, "not a: field\r\n", false},
      {"empty input", "", {}, "", false},
  };
  for (const Row& row : rows) {
    SCOPED_TRACE(row.name);
    const HeaderBlock h = parse_header(row.entity, 100);
    std::vector<std::string> raws;
    for (const HeaderField& f : h.fields) {
      raws.emplace_back(f.raw);
      EXPECT_EQ(row.entity.substr(f.offset - 100, f.raw.size()), f.raw);
    }
    EXPECT_EQ(raws, row.raw_fields);
    EXPECT_EQ(row.entity.substr(h.body_begin - 100), row.body);
    EXPECT_EQ(h.has_separator, row.has_separator);
    EXPECT_EQ(h.body_begin - h.header_end, row.has_separator ? 2u : 0u);
  }
}

TEST(MimeHeader, FieldLookupAndValue) {
  const HeaderBlock h = parse_header("Subject : hi\r\n there\r\ncontent-TYPE: text/plain\r\n\r\n");
  ASSERT_EQ(h.fields.size(), 2u);
  EXPECT_EQ(h.fields[0].name, "Subject");
  EXPECT_EQ(h.fields[0].value(), " hi\r\n there");
  const HeaderField* f = find_field(h.fields, "Content-Type");
  ASSERT_NE(f, nullptr);
  EXPECT_EQ(f->value(), " text/plain");
  EXPECT_EQ(find_field(h.fields, "From"), nullptr);
}

TEST(MimeHeader, ContentTypeTable) {
  using Params = std::vector<std::pair<std::string, std::string>>;
  struct Row {
    const char* value;
    bool ok;
    std::string type, subtype;
    Params params;
  };
  const std::vector<Row> rows = {
      {"text/plain", true, "text", "plain", {}},
      {" Text/HTML; Charset=\"UTF-8\"", true, "text", "html", {{"charset", "UTF-8"}}},
      {"multipart/mixed; boundary=\"=_a b\\\"c\"", true, "multipart", "mixed",
       {{"boundary", "=_a b\"c"}}},
      {"multipart/alternative;\r\n\tboundary=----=_Part_1_2.3", true, "multipart", "alternative",
       {{"boundary", "----=_Part_1_2.3"}}},
      {"text/plain (a comment) ; (x) charset = us-ascii (Plain text)", true, "text", "plain",
       {{"charset", "us-ascii"}}},
      {"text (odd) / plain", true, "text", "plain", {}},
      {"text/plain; charset=a; charset=b", true, "text", "plain", {{"charset", "a"}}},
      {"text/plain;; junk; format=flowed;", true, "text", "plain", {{"format", "flowed"}}},
      {"text/plain; name=\"unclosed", true, "text", "plain", {{"name", "unclosed"}}},
      {"text/plain; (unclosed comment", true, "text", "plain", {}},
      {"text/plain; title*0=\"a\"", true, "text", "plain", {{"title*0", "a"}}},
      {"text", false, "", "", {}},
      {"/plain", false, "", "", {}},
      {"", false, "", "", {}},
      {"text/", false, "", "", {}},
  };
  for (const Row& row : rows) {
    SCOPED_TRACE(row.value);
    const auto ct = parse_content_type(row.value);
    ASSERT_EQ(ct.has_value(), row.ok);
    if (!ct) continue;
    EXPECT_EQ(ct->type, row.type);
    EXPECT_EQ(ct->subtype, row.subtype);
    EXPECT_EQ(ct->parameters, row.params);
  }
  EXPECT_EQ(parse_content_type("multipart/mixed; Boundary=x")->parameter("boundary"), "x");
  EXPECT_EQ(parse_content_type("multipart/mixed")->parameter("boundary"), "");
}

TEST(MimeHeader, TransferEncodingTable) {
  const std::vector<std::pair<std::string, TransferEncoding>> rows = {
      {" 7bit", TransferEncoding::seven_bit},
      {"8BIT", TransferEncoding::eight_bit},
      {" binary (raw)", TransferEncoding::binary},
      {" Quoted-Printable\r\n", TransferEncoding::quoted_printable},
      {" (comment) base64", TransferEncoding::base64},
      {" x-uuencode", TransferEncoding::other},
      {"", TransferEncoding::other},
  };
  for (const auto& [value, encoding] : rows) {
    SCOPED_TRACE(value);
    EXPECT_EQ(parse_transfer_encoding(value), encoding);
  }
  EXPECT_EQ(to_string(TransferEncoding::quoted_printable), "quoted-printable");
}

}  // namespace
}  // namespace stsrelay::smtp
