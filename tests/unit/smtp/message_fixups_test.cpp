#include "smtp/message_fixups.hpp"

#include <gtest/gtest.h>

namespace stsrelay::smtp {
namespace {

FixupContext context() {
  FixupContext c;
  c.queue_id = "1M97MYCXV006PK2Q";
  c.hostname = "relay.example.org";
  c.unique = "00c0ffee00c0ffee";
  c.accepted_at = core::SysTime{std::chrono::seconds{1'800'000'000}};  // 2027-01-15 08:00:00
  return c;
}

constexpr const char* kDate = "Date: Fri, 15 Jan 2027 08:00:00 +0000\r\n";
constexpr const char* kId = "Message-ID: <1M97MYCXV006PK2Q.00c0ffee00c0ffee@relay.example.org>\r\n";

TEST(MessageFixups, MissingHeaders) {
  struct Row {
    const char* name;
    std::string in;
    std::string out;
    const char* described;
  };
  const std::string d = kDate;
  const std::string id = kId;
  const Row rows[] = {
      {"both missing: added after the last field", "Subject: a\r\n\r\nbody\r\n",
       "Subject: a\r\n" + d + id + "\r\nbody\r\n", "added Date, Message-ID"},
      {"folded last field", "Subject: a\r\n b\r\n\r\nbody\r\n",
       "Subject: a\r\n b\r\n" + d + id + "\r\nbody\r\n", "added Date, Message-ID"},
      {"Date present (any case)", "dATE: whenever\r\n\r\nx\r\n",
       "dATE: whenever\r\n" + id + "\r\nx\r\n", "added Message-ID"},
      {"Message-ID present, obsolete space before the colon",
       "Message-Id : <a@b>\r\nSubject: s\r\n\r\nx\r\n",
       "Message-Id : <a@b>\r\nSubject: s\r\n" + d + "\r\nx\r\n", "added Date"},
      {"both present: not a byte changed",
       "Date: Mon, 1 Jan 2024 00:00:00 +0000\r\nMessage-ID: <x@y>\r\n\r\nx\r\n",
       "Date: Mon, 1 Jan 2024 00:00:00 +0000\r\nMessage-ID: <x@y>\r\n\r\nx\r\n", ""},
      {"no header at all: the empty line keeps the text a body", "just text\r\n",
       d + id + "\r\njust text\r\n", "added Date, Message-ID"},
      {"header without body", "Subject: only\r\n", "Subject: only\r\n" + d + id,
       "added Date, Message-ID"},
      {"empty message", "", d + id, "added Date, Message-ID"},
      {"a body line right after the fields gets the empty line",
       "Subject: s\r\nno colon here\r\n", "Subject: s\r\n" + d + id + "\r\nno colon here\r\n",
       "added Date, Message-ID"},
      {"a header named only in the body does not count", "Subject: s\r\n\r\nDate: x\r\n",
       "Subject: s\r\n" + d + id + "\r\nDate: x\r\n", "added Date, Message-ID"},
      {"a client's DKIM signature listing Date: Date is not added",
       "DKIM-Signature: v=1; a=rsa-sha256; d=example.com; s=s;\r\n\th=From : Date:Subject; "
       "bh=x; b=y\r\nFrom: a@example.com\r\n\r\nx\r\n",
       "DKIM-Signature: v=1; a=rsa-sha256; d=example.com; s=s;\r\n\th=From : Date:Subject; "
       "bh=x; b=y\r\nFrom: a@example.com\r\n" + id + "\r\nx\r\n",
       "added Message-ID"},
  };
  for (const Row& row : rows) {
    SCOPED_TRACE(row.name);
    const FixedMessage fixed = apply_fixups(row.in, context());
    EXPECT_EQ(fixed.message, row.out);
    EXPECT_EQ(fixed.report.describe(), row.described);
    EXPECT_EQ(fixed.report.changed(), std::string(row.described) != "");
  }
}

TEST(MessageFixups, LongLinesAreMadeToFitBeforeHeadersAreAdded) {
  const std::string text(3000, 'x');
  const FixedMessage fixed = apply_fixups("Subject: a\r\n\r\n" + text + "\r\n", context());
  EXPECT_EQ(fixed.report.long_lines.parts_quoted_printable, 1u);
  EXPECT_TRUE(fixed.report.changed());
  EXPECT_EQ(fixed.report.describe(),
            "added Date, Message-ID; long lines: 1 part re-encoded quoted-printable");
  // The new fields follow the ones the long-line step added, before the empty line.
  EXPECT_TRUE(fixed.message.starts_with("Subject: a\r\n")) << fixed.message;
  EXPECT_NE(fixed.message.find(std::string("Content-Transfer-Encoding: quoted-printable\r\n") +
                               kDate + kId + "\r\n"),
            std::string::npos)
      << fixed.message;
  for (std::size_t pos = 0; pos < fixed.message.size();) {
    const std::size_t end = fixed.message.find("\r\n", pos);
    ASSERT_NE(end, std::string::npos);
    EXPECT_LE(end - pos, 998u);
    pos = end + 2;
  }
}

TEST(MessageFixups, AClientSignedMessageKeepsItsLongLines) {
  const std::string m = "DKIM-Signature: v=1; d=a.example; s=s; h=from:date:message-id; bh=x; "
                        "b=y\r\nFrom: a@a.example\r\n\r\n" + std::string(2000, 'x') + "\r\n";
  const FixedMessage fixed = apply_fixups(m, context());
  EXPECT_EQ(fixed.message, m);
  EXPECT_FALSE(fixed.report.changed());
  EXPECT_EQ(fixed.report.describe(), "long lines: left unchanged, DKIM-signed by the client");
}

TEST(MessageFixups, TurnedOffAddsNothing) {
  FixupContext c = context();
  c.add_missing_headers = false;
  const FixedMessage fixed = apply_fixups("Subject: a\r\n\r\nbody\r\n", c);
  EXPECT_EQ(fixed.message, "Subject: a\r\n\r\nbody\r\n");
  EXPECT_FALSE(fixed.report.changed());
}

}  // namespace
}  // namespace stsrelay::smtp
