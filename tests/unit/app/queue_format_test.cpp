// What `stsrelay queue list|show` print, text (mailq style) and JSON.
#include "src/app/cli/queue_format.hpp"

#include <boost/json.hpp>
#include <gtest/gtest.h>

namespace stsrelay::app {
namespace {

namespace json = boost::json;

// 2026-11-28 13:50:59 UTC and a minute later.
constexpr std::int64_t kArrival = 1795873859;
constexpr std::int64_t kNext = kArrival + 60;

std::vector<queue::MessageRecord> sample_queue() {
  queue::MessageRecord a;
  a.id = "0PZKXQ7C00A1B2C3";
  a.sender = "sender@example.org";
  a.received_at = kArrival;
  a.size = 1500;
  a.recipients = {
      {1, "one@example.com", queue::RecipientState::queued, 0, kArrival, "", 0, "", 0},
      {2, "two@example.net", queue::RecipientState::deferred, 2, kNext,
       "451 4.7.5 mx.example.net: certificate not trusted", 0, "", 0},
      {3, "three@example.com", queue::RecipientState::delivered, 1, 0, "250 2.0.0 ok", 0, "",
       0},
  };
  queue::MessageRecord b;
  b.id = "0PZKXQ7C01D4E5F6";
  b.sender = "";  // a bounce: the null reverse-path
  b.received_at = kNext;
  b.size = 700;
  b.recipients = {{4, "sender@example.org", queue::RecipientState::queued, 0, kNext, "", 0, "",
                   0}};
  return {a, b};
}

TEST(FormatNotify, Table) {
  EXPECT_EQ(format_notify(0), "");
  EXPECT_EQ(format_notify(core::kNotifyNever), "NEVER");
  EXPECT_EQ(format_notify(core::kNotifyFailure), "FAILURE");
  EXPECT_EQ(format_notify(core::kNotifySuccess | core::kNotifyFailure | core::kNotifyDelay),
            "SUCCESS,FAILURE,DELAY");
}

TEST(FormatQueueText, Empty) { EXPECT_EQ(format_queue_text({}), "Mail queue is empty\n"); }

TEST(FormatQueueText, MailqStyle) {
  const std::string want =
      "-Queue ID-       --Size-- -Arrival Time (UTC)  -Sender/Recipient-------\n"
      "0PZKXQ7C00A1B2C3     1500 2026-11-28 13:50:59  sender@example.org\n"
      "                                               queued     one@example.com  "
      "next=2026-11-28 13:50:59\n"
      "                                               deferred   two@example.net  attempts=2  "
      "next=2026-11-28 13:51:59\n"
      "                                                 (451 4.7.5 mx.example.net: certificate "
      "not trusted)\n"
      "                                               delivered  three@example.com  attempts=1\n"
      "                                                 (250 2.0.0 ok)\n"
      "\n"
      "0PZKXQ7C01D4E5F6      700 2026-11-28 13:51:59  <>\n"
      "                                               queued     sender@example.org  "
      "next=2026-11-28 13:51:59\n"
      "\n"
      "-- 3 Kbytes in 2 Requests.\n";
  EXPECT_EQ(format_queue_text(sample_queue()), want);
}

TEST(FormatQueueText, OneRequest) {
  auto messages = sample_queue();
  messages.resize(1);
  const std::string text = format_queue_text(messages);
  EXPECT_TRUE(text.ends_with("\n-- 2 Kbytes in 1 Request.\n")) << text;
}

TEST(FormatQueueJson, DesignFields) {
  const json::value v = json::parse(format_queue_json(sample_queue()));
  const json::value want = json::parse(R"([
    {"id": "0PZKXQ7C00A1B2C3", "sender": "sender@example.org", "received_at": 1795873859,
     "size": 1500, "recipients": [
       {"address": "one@example.com", "state": "queued", "attempts": 0,
        "next_attempt_at": 1795873859, "last_reply": ""},
       {"address": "two@example.net", "state": "deferred", "attempts": 2,
        "next_attempt_at": 1795873919,
        "last_reply": "451 4.7.5 mx.example.net: certificate not trusted"},
       {"address": "three@example.com", "state": "delivered", "attempts": 1,
        "next_attempt_at": 0, "last_reply": "250 2.0.0 ok"}]},
    {"id": "0PZKXQ7C01D4E5F6", "sender": "", "received_at": 1795873919, "size": 700,
     "recipients": [
       {"address": "sender@example.org", "state": "queued", "attempts": 0,
        "next_attempt_at": 1795873919, "last_reply": ""}]}
  ])");
  EXPECT_EQ(v, want);
  EXPECT_EQ(format_queue_json({}), "[]\n");
}

queue::MessageDetail sample_detail() {
  queue::MessageDetail d;
  d.message = sample_queue()[0];
  d.message.recipients.resize(2);
  d.message.recipients[1].notify = core::kNotifyFailure | core::kNotifyDelay;
  d.message.recipients[1].orcpt = "rfc822;two@example.net";
  d.envelope.sender = d.message.sender;
  d.envelope.client_address = "192.0.2.10";
  d.envelope.client_helo = "client.example.org";
  d.envelope.auth_user = "alice";
  d.envelope.tls = "TLSv1.3:TLS_AES_256_GCM_SHA384";
  d.envelope.body = core::BodyType::eight_bit_mime;
  d.envelope.ret = core::DsnRet::hdrs;
  d.envelope.envid = "QQ314159";
  d.headers = "Received: from client.example.org\r\n\tby relay.test;\r\nSubject: hi\r\n";
  return d;
}

TEST(FormatMessageText, EnvelopeRecipientsHeaders) {
  const std::string want =
      "id: 0PZKXQ7C00A1B2C3\n"
      "received_at: 2026-11-28 13:50:59 UTC\n"
      "size: 1500\n"
      "sender: sender@example.org\n"
      "client: 192.0.2.10 (helo client.example.org)\n"
      "auth_user: alice\n"
      "tls: TLSv1.3:TLS_AES_256_GCM_SHA384\n"
      "body: 8BITMIME\n"
      "dsn_ret: HDRS\n"
      "dsn_envid: QQ314159\n"
      "recipients:\n"
      "  one@example.com  queued  attempts=0  next=2026-11-28 13:50:59\n"
      "  two@example.net  deferred  attempts=2  next=2026-11-28 13:51:59  "
      "notify=FAILURE,DELAY  orcpt=rfc822;two@example.net\n"
      "    (451 4.7.5 mx.example.net: certificate not trusted)\n"
      "headers:\n"
      "Received: from client.example.org\n"
      "\tby relay.test;\n"
      "Subject: hi\n";
  EXPECT_EQ(format_message_text(sample_detail()), want);
}

// RFC 8689 tags get a line each, after tls:, only when set.
TEST(FormatMessageText, RequireTlsAndTlsRequiredNo) {
  struct Row {
    const char* name;
    bool require_tls;
    bool tls_optional;
    const char* lines;
  };
  const Row rows[] = {
      {"neither", false, false, ""},
      {"REQUIRETLS", true, false, "requiretls: yes\n"},
      {"TLS-Required: No", false, true, "tls-required: no\n"},
      {"both, shown as stored", true,
       true, "requiretls: yes\ntls-required: no\n"},
  };
  for (const auto& row : rows) {
    SCOPED_TRACE(row.name);
    queue::MessageDetail d = sample_detail();
    d.envelope.require_tls = row.require_tls;
    d.envelope.tls_optional = row.tls_optional;
    const std::string text = format_message_text(d);
    const std::string after_tls = "tls: TLSv1.3:TLS_AES_256_GCM_SHA384\n" +
                                  std::string(row.lines) + "body: 8BITMIME\n";
    EXPECT_NE(text.find(after_tls), std::string::npos) << text;
    const json::value v = json::parse(format_message_json(d));
    EXPECT_EQ(v.at("envelope").at("requiretls"), row.require_tls);
    EXPECT_EQ(v.at("envelope").at("tls_optional"), row.tls_optional);
  }
}

TEST(FormatMessageJson, ListFieldsPlusEnvelopeAndHeaders) {
  const json::value v = json::parse(format_message_json(sample_detail()));
  const json::object& o = v.as_object();
  EXPECT_EQ(o.at("id"), "0PZKXQ7C00A1B2C3");
  EXPECT_EQ(o.at("size"), 1500);
  const json::array& rcpts = o.at("recipients").as_array();
  ASSERT_EQ(rcpts.size(), 2u);
  EXPECT_EQ(rcpts[1].at("notify"), "FAILURE,DELAY");
  EXPECT_EQ(rcpts[1].at("orcpt"), "rfc822;two@example.net");
  EXPECT_EQ(rcpts[1].at("state"), "deferred");
  const json::object& e = o.at("envelope").as_object();
  EXPECT_EQ(e.at("client_address"), "192.0.2.10");
  EXPECT_EQ(e.at("client_helo"), "client.example.org");
  EXPECT_EQ(e.at("auth_user"), "alice");
  EXPECT_EQ(e.at("tls"), "TLSv1.3:TLS_AES_256_GCM_SHA384");
  EXPECT_EQ(e.at("body"), "8BITMIME");
  EXPECT_EQ(e.at("smtputf8"), false);
  EXPECT_EQ(e.at("ret"), "HDRS");
  EXPECT_EQ(e.at("envid"), "QQ314159");
  EXPECT_EQ(o.at("headers").as_string(), sample_detail().headers);
}

}  // namespace
}  // namespace stsrelay::app
