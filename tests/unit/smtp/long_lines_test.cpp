// smtp/long_lines.hpp: making mail with lines over 998 octets deliverable. Every row is also
// checked against the invariants: no line over 998 (unless left signed), the same MIME tree,
// each re-encoded body decoding to exactly the original octets, and every body without a long
// line left byte for byte.
#include "smtp/long_lines.hpp"

#include <gtest/gtest.h>

#include <optional>
#include <string>
#include <vector>

#include "smtp/crlf_lines.hpp"
#include "smtp/mime_entity.hpp"
#include "smtp/quoted_printable.hpp"
#include "src/core/base64.hpp"

namespace stsrelay::smtp {
namespace {

const std::string kLongHtml = "<p>" + std::string(2000, 'x') + " = caf\xc3\xa9 </p>";
const std::string kLongLatin1 = std::string(1500, 'y') + "\xe9";
const std::string kHeader = "From: a@example.com\r\nTo: b@example.net\r\nSubject: hi\r\n";

std::string base64_lines(std::string_view data, std::size_t width) {
  const std::string b64 = core::encode_base64(data);
  std::string out;
  for (std::size_t i = 0; i < b64.size(); i += width) out += b64.substr(i, width) + "\r\n";
  return out;
}

std::string without_crlf(std::string_view s) {
  std::string out(s);
  std::erase(out, '\r');
  std::erase(out, '\n');
  return out;
}

std::string multipart(std::string_view type, std::string_view boundary,
                      const std::vector<std::string>& parts, bool close = true) {
  const std::string dash_boundary = "--" + std::string(boundary);
  std::string out = kHeader + "MIME-Version: 1.0\r\nContent-Type: multipart/" + std::string(type) +
                    "; boundary=\"" + std::string(boundary) + "\"\r\n\r\nThis is MIME.\r\n";
  for (const std::string& part : parts) out += dash_boundary + "\r\n" + part + "\r\n";
  if (close) out += dash_boundary + "--\r\n";
  return out;
}

// `s` with `text` inserted right after the first `anchor`.
std::string insert_after(std::string s, std::string_view anchor, std::string_view text) {
  return s.insert(s.find(anchor) + anchor.size(), text);
}

LongLineReport report(std::size_t qp, std::size_t b64, std::size_t soft, std::size_t folded,
                      std::size_t header_broken, std::size_t body_broken) {
  return {true, false, qp, b64, soft, folded, header_broken, body_broken};
}

void leaves(const MimeEntity& e, std::vector<const MimeEntity*>& out) {
  if (e.kind == EntityKind::leaf || e.kind == EntityKind::opaque) out.push_back(&e);
  for (const MimeEntity& child : e.children) leaves(child, out);
}

// The invariants every fixed message must hold against the original.
void check_invariants(std::string_view in, std::string_view out) {
  ASSERT_FALSE(has_line_longer_than(out));
  const MimeEntity in_root = parse_mime(in);
  const MimeEntity out_root = parse_mime(out);
  std::vector<const MimeEntity*> in_leaves, out_leaves;
  leaves(in_root, in_leaves);
  leaves(out_root, out_leaves);
  ASSERT_EQ(in_leaves.size(), out_leaves.size());
  for (std::size_t i = 0; i < in_leaves.size(); ++i) {
    SCOPED_TRACE("leaf " + std::to_string(i));
    const MimeEntity& a = *in_leaves[i];
    const MimeEntity& b = *out_leaves[i];
    ASSERT_EQ(a.kind, b.kind);
    const std::string_view a_body = a.body.of(in);
    const std::string_view b_body = b.body.of(out);
    if (!has_line_longer_than(a_body)) {
      EXPECT_EQ(a_body, b_body);
      EXPECT_EQ(a.encoding, b.encoding);
    } else if (b.encoding == TransferEncoding::quoted_printable) {
      const auto decoded = decode_quoted_printable(b_body);
      if (a.encoding == TransferEncoding::quoted_printable) {
        EXPECT_EQ(decoded, decode_quoted_printable(a_body));
      } else {
        EXPECT_EQ(decoded, a_body);
      }
    } else if (b.encoding == TransferEncoding::base64) {
      const std::string joined = without_crlf(b_body);
      EXPECT_EQ(joined, without_crlf(a_body));
      EXPECT_TRUE(core::decode_base64(joined).has_value());
    }
  }
}

struct Row {
  const char* name;
  std::string message;
  std::optional<LongLineReport> report;  // nullopt: no long lines, unchanged
  std::optional<std::string> fixed;       // the exact result, where a row pins it
};

std::vector<Row> rows() {
  const std::string short_b64 = base64_lines("a normal attachment, wrapped at 76", 76);
  const std::string huge_b64 = base64_lines(std::string(3000, '\x01') + "tail", 100000);
  std::string long_subject = "Subject:";
  for (int i = 0; i < 300; ++i) long_subject += " word";
  return {
      {"no long lines", kHeader + "\r\nshort\r\n", std::nullopt, std::nullopt},
      {"empty message", "", std::nullopt, std::nullopt},
      {"long text line in a plain message", kHeader + "\r\n" + kLongHtml + "\r\nbye\r\n",
       report(1, 0, 0, 0, 0, 0),
       kHeader + "MIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\n"
                 "Content-Transfer-Encoding: quoted-printable\r\n\r\n" +
           encode_quoted_printable(kLongHtml + "\r\nbye\r\n")},
      {"8-bit body that is not UTF-8: no charset is named", kHeader + "\r\n" + kLongLatin1 + "\r\n",
       report(1, 0, 0, 0, 0, 0),
       kHeader + "MIME-Version: 1.0\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\n" +
           encode_quoted_printable(kLongLatin1 + "\r\n")},
      {"Content-Transfer-Encoding replaced in place",
       "MIME-Version: 1.0\r\nContent-Transfer-Encoding: 8bit\r\nContent-Type: text/html\r\n"
       "content-transfer-encoding: 7bit\r\n\r\n" + kLongHtml + "\r\n",
       report(1, 0, 0, 0, 0, 0),
       "MIME-Version: 1.0\r\nContent-Transfer-Encoding: quoted-printable\r\nContent-Type: "
       "text/html\r\n\r\n" + encode_quoted_printable(kLongHtml + "\r\n")},
      {"long header with whitespace", long_subject + "\r\n" + kHeader + "\r\nbody\r\n",
       report(0, 0, 0, 1, 0, 0), std::nullopt},
      {"long header without whitespace",
       "References:<" + std::string(2500, 'r') + "@example.com>\r\n" + kHeader + "\r\nbody\r\n",
       report(0, 0, 0, 0, 1, 0), std::nullopt},
      {"message without body: a long header only", long_subject + "\r\n", report(0, 0, 0, 1, 0, 0),
       std::nullopt},
      {"header ending without an empty line, long body line", kHeader + kLongHtml + "\r\n",
       report(0, 0, 0, 0, 0, 1), std::nullopt},
      {"base64 body without an empty line: broken, not re-wrapped",
       kHeader + "Content-Transfer-Encoding: base64\r\n" + huge_b64, report(0, 0, 0, 0, 0, 1),
       std::nullopt},
      {"header ending without an empty line, long header", kHeader + long_subject + "\r\n",
       report(0, 0, 0, 1, 0, 0), std::nullopt},
      {"multipart/alternative: only the long HTML part changes",
       multipart("alternative", "alt",
                 {"Content-Type: text/plain; charset=utf-8\r\n\r\nshort text",
                  "Content-Type: text/html; charset=utf-8\r\nContent-Transfer-Encoding: 8bit\r\n"
                  "\r\n" + kLongHtml}),
       report(1, 0, 0, 0, 0, 0),
       multipart("alternative", "alt",
                 {"Content-Type: text/plain; charset=utf-8\r\n\r\nshort text",
                  "Content-Type: text/html; charset=utf-8\r\nContent-Transfer-Encoding: "
                  "quoted-printable\r\n\r\n" + encode_quoted_printable(kLongHtml)})},
      {"base64: the huge line re-wrapped, the normal part untouched",
       multipart("mixed", "m",
                 {"Content-Type: application/pdf\r\nContent-Transfer-Encoding: base64\r\n\r\n" +
                      huge_b64,
                  "Content-Type: image/png\r\nContent-Transfer-Encoding: base64\r\n\r\n" +
                      short_b64}),
       report(0, 1, 0, 0, 0, 0), std::nullopt},
      {"quoted-printable: short lines untouched, long lines soft-broken",
       multipart("mixed", "m",
                 {"Content-Transfer-Encoding: quoted-printable\r\n\r\nshort=3D\r\nlines",
                  "Content-Transfer-Encoding: quoted-printable\r\n\r\n" + std::string(1200, 'q') +
                      "=C3=A9\r\nend"}),
       report(0, 0, 1, 0, 0, 0), std::nullopt},
      {"non-text 8bit part: line breaks encoded",
       multipart("mixed", "m",
                 {"Content-Type: application/octet-stream\r\n\r\n" + kLongLatin1 + "\r\nx"}),
       report(1, 0, 0, 0, 0, 0), std::nullopt},
      {"client DKIM signature: left alone",
       "DKIM-Signature: v=1; a=rsa-sha256; d=example.com; s=s1; b=abc\r\n" + kHeader + "\r\n" +
           kLongHtml + "\r\n",
       LongLineReport{true, true, 0, 0, 0, 0, 0, 0}, std::nullopt},
      {"nested multipart: mixed containing alternative",
       multipart("mixed", "outer",
                 {"Content-Type: multipart/alternative; boundary=inner\r\n\r\n--inner\r\n"
                  "Content-Type: text/plain\r\n\r\nshort\r\n--inner\r\nContent-Type: text/html\r\n"
                  "\r\n" + kLongHtml + "\r\n--inner--",
                  "Content-Type: text/plain\r\n\r\nattachment"}),
       report(1, 0, 0, 0, 0, 0), std::nullopt},
      {"message/rfc822 attachment with a long line inside",
       multipart("mixed", "m",
                 {"Content-Type: text/plain\r\n\r\nsee attached",
                  "Content-Type: message/rfc822\r\n\r\nFrom: c@example.org\r\n"
                  "Subject: fwd\r\n\r\n" + kLongHtml}),
       report(1, 0, 0, 0, 0, 0),
       multipart("mixed", "m",
                 {"Content-Type: text/plain\r\n\r\nsee attached",
                  "Content-Type: message/rfc822\r\n\r\nFrom: c@example.org\r\nSubject: fwd\r\n"
                  "MIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\n"
                  "Content-Transfer-Encoding: quoted-printable\r\n\r\n" +
                      encode_quoted_printable(kLongHtml)})},
      {"a soft break never starts a line that passes for a delimiter",
       multipart("mixed", "b", {"\r\n" + std::string(75, 'x') + "--b--" + kLongHtml, "\r\nnext"}),
       report(1, 0, 0, 0, 0, 0), std::nullopt},
      {"missing closing boundary: the last part runs to the end",
       multipart("mixed", "m", {"\r\nshort", "Content-Type: text/html\r\n\r\n" + kLongHtml}, false),
       report(1, 0, 0, 0, 0, 0), std::nullopt},
      {"multipart without a boundary parameter: broken like Postfix",
       kHeader + "Content-Type: multipart/mixed\r\n\r\n--x\r\n\r\n" + kLongHtml + "\r\n--x--\r\n",
       report(0, 0, 0, 0, 0, 1), std::nullopt},
      {"long line in the preamble and epilogue: broken",
       insert_after(multipart("mixed", "m", {"\r\nshort"}), "MIME.\r\n", kLongLatin1 + "\r\n") +
           kLongLatin1 + "\r\n",
       report(0, 0, 0, 0, 0, 2), std::nullopt},
      {"unknown transfer encoding: broken",
       kHeader + "Content-Transfer-Encoding: x-uuencode\r\n\r\n" + kLongLatin1 + "\r\n",
       report(0, 0, 0, 0, 0, 1), std::nullopt},
      {"long transport padding on a delimiter line",
       insert_after(multipart("mixed", "m", {"\r\na"}), "\r\n--m", std::string(1000, ' ')),
       report(0, 0, 0, 0, 0, 0), multipart("mixed", "m", {"\r\na"})},
      {"empty part with a long header",
       multipart("mixed", "m", {"X-Note: " + std::string(1200, 'n') + "\r\n"}),
       report(0, 0, 0, 1, 1, 0), std::nullopt},
  };
}

TEST(LongLines, Table) {
  for (const Row& row : rows()) {
    SCOPED_TRACE(row.name);
    const LongLineFix fix = fix_long_lines(row.message);
    if (!row.report) {
      EXPECT_FALSE(fix.message.has_value());
      EXPECT_EQ(fix.report, LongLineReport{});
      continue;
    }
    EXPECT_EQ(fix.report, *row.report) << describe(fix.report);
    if (row.report->left_long_signed) {
      EXPECT_FALSE(fix.message.has_value());
      continue;
    }
    ASSERT_TRUE(fix.message.has_value());
    if (row.fixed) EXPECT_EQ(*fix.message, *row.fixed);
    check_invariants(row.message, *fix.message);
    // Fixing is idempotent: the result has no long line left to fix.
    EXPECT_FALSE(fix_long_lines(*fix.message).message.has_value());
  }
}

TEST(LongLines, MessageOr) {
  const std::string plain = kHeader + "\r\nshort\r\n";
  const LongLineFix fix = fix_long_lines(plain);
  EXPECT_EQ(fix.message_or(plain).data(), plain.data());  // no copy
}

TEST(LongLines, Describe) {
  EXPECT_EQ(describe(LongLineReport{}), "no long lines");
  EXPECT_EQ(describe(LongLineReport{true, true, 0, 0, 0, 0, 0, 0}),
            "long lines: left unchanged, DKIM-signed by the client");
  EXPECT_EQ(describe(report(1, 0, 0, 1, 0, 0)),
            "long lines: 1 part re-encoded quoted-printable, 1 header field folded");
  EXPECT_EQ(describe(report(2, 1, 3, 0, 2, 4)),
            "long lines: 2 parts re-encoded quoted-printable, 1 base64 part re-wrapped, "
            "3 quoted-printable parts soft-broken, 2 header lines broken, 4 body lines broken");
  EXPECT_EQ(describe(report(0, 0, 0, 0, 0, 0)), "long lines: rewritten");
}

}  // namespace
}  // namespace stsrelay::smtp
