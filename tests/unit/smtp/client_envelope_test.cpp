#include "smtp/client_envelope.hpp"

#include <gtest/gtest.h>

namespace stsrelay::smtp {
namespace {

core::Envelope envelope(std::string sender = "alice@example.com") {
  core::Envelope e;
  e.sender = std::move(sender);
  e.recipients.push_back({"bob@example.net", 0, ""});
  return e;
}

Capabilities caps(std::initializer_list<const char*> keywords) {
  Reply r{250, "", {"mx.example.test"}};
  for (const char* k : keywords) r.lines.emplace_back(k);
  return parse_ehlo(r);
}

TEST(ClientEnvelope, DescribeMessage) {
  struct Row {
    const char* name;
    core::Envelope env;
    std::string content;
    MessageTraits want;  // size: the content's length, checked separately
  };
  core::Envelope utf8_flag = envelope();
  utf8_flag.smtputf8 = true;
  const Row rows[] = {
      {"plain ASCII", envelope(), "Subject: x\r\n\r\nhi\r\n", {0, false, false}},
      {"8-bit body", envelope(), "Subject: x\r\n\r\ncaf\xc3\xa9\r\n", {0, true, false}},
      {"UTF-8 sender address", envelope("j\xc3\xb6rg@example.com"), "S: x\r\n\r\n",
       {0, false, true}},
      {"SMTPUTF8 asked, UTF-8 header", utf8_flag, "Subject: caf\xc3\xa9\r\n\r\nx\r\n",
       {0, true, true}},
      {"SMTPUTF8 asked, only the body is 8-bit", utf8_flag, "Subject: x\r\n\r\ncaf\xc3\xa9\r\n",
       {0, true, false}},
      {"SMTPUTF8 asked, all ASCII", utf8_flag, "Subject: x\r\n\r\nhi\r\n", {0, false, false}},
  };
  for (const Row& row : rows) {
    SCOPED_TRACE(row.name);
    MessageTraits t = describe_message(row.env, row.content);
    EXPECT_EQ(t.size, row.content.size());
    EXPECT_EQ(t.eight_bit, row.want.eight_bit);
    EXPECT_EQ(t.needs_smtputf8, row.want.needs_smtputf8);
  }
  core::Envelope utf8_rcpt = envelope();
  utf8_rcpt.recipients.push_back({"\xc3\xbc@example.net", 0, ""});
  EXPECT_TRUE(describe_message(utf8_rcpt, "").needs_smtputf8);
}

TEST(ClientEnvelope, LocalRefusalTable) {
  struct Row {
    const char* name;
    Capabilities caps;
    MessageTraits traits;
    std::optional<std::pair<int, std::string>> refusal;
  };
  const Row rows[] = {
      {"fits", caps({"SIZE 100", "8BITMIME"}), {100, true, false}, std::nullopt},
      {"too big: 5.3.4 permanent", caps({"SIZE 100", "8BITMIME"}), {101, false, false},
       std::pair{552, std::string("5.3.4")}},
      {"SIZE without limit never refuses", caps({"SIZE"}), {1u << 30, false, false},
       std::nullopt},
      {"no SIZE extension never refuses", caps({}), {1u << 30, false, false}, std::nullopt},
      {"SMTPUTF8 needed, not offered: 5.6.7 (RFC 6531 3.4)", caps({"8BITMIME"}),
       {10, true, true}, std::pair{553, std::string("5.6.7")}},
      {"SMTPUTF8 needed and offered", caps({"8BITMIME", "SMTPUTF8"}), {10, true, true},
       std::nullopt},
      {"8-bit to a server without 8BITMIME: 5.6.3 (RFC 6152 3)", caps({"PIPELINING"}),
       {10, true, false}, std::pair{554, std::string("5.6.3")}},
      {"7-bit to a server without 8BITMIME", caps({}), {10, false, false}, std::nullopt},
      {"HELO server, 7-bit", Capabilities{}, {10, false, false}, std::nullopt},
      {"size checked first", caps({"SIZE 5"}), {10, true, true},
       std::pair{552, std::string("5.3.4")}},
  };
  for (const Row& row : rows) {
    SCOPED_TRACE(row.name);
    std::optional<Reply> r = refuse_locally(row.caps, row.traits, {"mx.example.test", true});
    ASSERT_EQ(r.has_value(), row.refusal.has_value());
    if (r) {
      EXPECT_EQ(r->code, row.refusal->first);
      EXPECT_EQ(r->enhanced, row.refusal->second);
      EXPECT_FALSE(r->lines.front().empty());
    }
  }
}

// RFC 8689 §4.2.1: a REQUIRETLS message goes only over TLS to a server that offers REQUIRETLS
// after it; otherwise 550 5.7.30, naming the host, before anything else is checked.
TEST(ClientEnvelope, RequireTlsRefusalTable) {
  struct Row {
    const char* name;
    Capabilities caps;
    MessageTraits traits;
    ReceiverTraits receiver;
    std::optional<std::string> text;  // the refusal's text, or no refusal
  };
  MessageTraits required{10, false, false};
  required.require_tls = true;
  MessageTraits required_too_big = required;
  required_too_big.size = 1000;
  const Row rows[] = {
      {"offered over TLS", caps({"REQUIRETLS"}), required, {"mx.example.test", true},
       std::nullopt},
      {"not offered", caps({"PIPELINING", "STARTTLS"}), required, {"mx.example.test", true},
       "REQUIRETLS support required: mx.example.test does not offer REQUIRETLS"},
      {"offered, but the session is plain text", caps({"REQUIRETLS"}), required,
       {"mx.example.test", false},
       "REQUIRETLS support required: the session with mx.example.test is not encrypted"},
      {"HELO server", Capabilities{}, required, {"mx.example.test", false},
       "REQUIRETLS support required: the session with mx.example.test is not encrypted"},
      {"no host name", caps({}), required, {"", true},
       "REQUIRETLS support required: the receiving server does not offer REQUIRETLS"},
      {"checked before SIZE", caps({"SIZE 100"}), required_too_big, {"mx.example.test", true},
       "REQUIRETLS support required: mx.example.test does not offer REQUIRETLS"},
      {"not asked for: plain text is fine", caps({}), {10, false, false},
       {"mx.example.test", false}, std::nullopt},
  };
  for (const Row& row : rows) {
    SCOPED_TRACE(row.name);
    std::optional<Reply> r = refuse_locally(row.caps, row.traits, row.receiver);
    ASSERT_EQ(r.has_value(), row.text.has_value());
    if (!r) continue;
    EXPECT_EQ(r->code, 550);
    EXPECT_EQ(r->enhanced, "5.7.30");
    EXPECT_EQ(r->lines, std::vector<std::string>{*row.text});
  }
  core::Envelope e = envelope();
  e.require_tls = true;
  EXPECT_TRUE(describe_message(e, "S: x\r\n\r\n").require_tls);
  EXPECT_FALSE(describe_message(envelope(), "S: x\r\n\r\n").require_tls);
}

TEST(ClientEnvelope, MailFromTable) {
  core::Envelope dsn = envelope();
  dsn.ret = core::DsnRet::hdrs;
  dsn.envid = "QQ314159+2B1";
  core::Envelope full = envelope("");
  full.ret = core::DsnRet::full;
  core::Envelope body8 = envelope();
  body8.body = core::BodyType::eight_bit_mime;
  core::Envelope requiretls = dsn;
  requiretls.require_tls = true;
  struct Row {
    const char* name;
    core::Envelope env;
    Capabilities caps;
    MessageTraits traits;
    std::string want;
  };
  const Row rows[] = {
      {"no extensions", envelope(), Capabilities{}, {10, false, false},
       "MAIL FROM:<alice@example.com>\r\n"},
      {"null reverse-path", envelope(""), Capabilities{}, {10, false, false},
       "MAIL FROM:<>\r\n"},
      {"SIZE when offered", envelope(), caps({"SIZE 100"}), {42, false, false},
       "MAIL FROM:<alice@example.com> SIZE=42\r\n"},
      {"BODY=8BITMIME for 8-bit content", envelope(), caps({"8BITMIME"}), {10, true, false},
       "MAIL FROM:<alice@example.com> BODY=8BITMIME\r\n"},
      {"BODY=8BITMIME as the client declared it", body8, caps({"8BITMIME"}), {10, false, false},
       "MAIL FROM:<alice@example.com> BODY=8BITMIME\r\n"},
      {"no BODY for 7-bit", envelope(), caps({"8BITMIME"}), {10, false, false},
       "MAIL FROM:<alice@example.com>\r\n"},
      {"SMTPUTF8 when needed", envelope(), caps({"8BITMIME", "SMTPUTF8"}), {10, true, true},
       "MAIL FROM:<alice@example.com> BODY=8BITMIME SMTPUTF8\r\n"},
      {"no SMTPUTF8 when not needed", envelope(), caps({"SMTPUTF8"}), {10, false, false},
       "MAIL FROM:<alice@example.com>\r\n"},
      {"RET and ENVID when DSN offered", dsn, caps({"DSN", "SIZE"}), {7, false, false},
       "MAIL FROM:<alice@example.com> SIZE=7 RET=HDRS ENVID=QQ314159+2B1\r\n"},
      {"RET=FULL with null sender", full, caps({"DSN"}), {7, false, false},
       "MAIL FROM:<> RET=FULL\r\n"},
      {"DSN parameters dropped without DSN", dsn, caps({}), {7, false, false},
       "MAIL FROM:<alice@example.com>\r\n"},
      {"REQUIRETLS (RFC 8689 2) when asked for and offered", requiretls,
       caps({"SIZE", "REQUIRETLS", "DSN"}), {7, false, false},
       "MAIL FROM:<alice@example.com> SIZE=7 REQUIRETLS RET=HDRS ENVID=QQ314159+2B1\r\n"},
      {"no REQUIRETLS when not asked for", dsn, caps({"REQUIRETLS"}), {7, false, false},
       "MAIL FROM:<alice@example.com>\r\n"},
  };
  for (const Row& row : rows) {
    SCOPED_TRACE(row.name);
    EXPECT_EQ(mail_from_command(row.env, row.caps, row.traits), row.want);
  }
}

TEST(ClientEnvelope, RcptToTable) {
  struct Row {
    const char* name;
    core::EnvelopeRecipient rcpt;
    Capabilities caps;
    std::string want;
  };
  const std::uint8_t sfd = core::kNotifySuccess | core::kNotifyFailure | core::kNotifyDelay;
  const Row rows[] = {
      {"plain", {"bob@example.net", 0, ""}, caps({"DSN"}), "RCPT TO:<bob@example.net>\r\n"},
      {"NOTIFY=NEVER", {"bob@example.net", core::kNotifyNever, ""}, caps({"DSN"}),
       "RCPT TO:<bob@example.net> NOTIFY=NEVER\r\n"},
      {"NOTIFY list in RFC order", {"bob@example.net", sfd, ""}, caps({"DSN"}),
       "RCPT TO:<bob@example.net> NOTIFY=SUCCESS,FAILURE,DELAY\r\n"},
      {"ORCPT as given",
       {"bob@example.net", core::kNotifyFailure, "rfc822;bob+2Bx@example.net"}, caps({"DSN"}),
       "RCPT TO:<bob@example.net> NOTIFY=FAILURE ORCPT=rfc822;bob+2Bx@example.net\r\n"},
      {"no DSN: parameters dropped",
       {"bob@example.net", core::kNotifyFailure, "rfc822;bob@example.net"}, caps({}),
       "RCPT TO:<bob@example.net>\r\n"},
  };
  for (const Row& row : rows) {
    SCOPED_TRACE(row.name);
    EXPECT_EQ(rcpt_to_command(row.rcpt, row.caps), row.want);
  }
}

}  // namespace
}  // namespace stsrelay::smtp
