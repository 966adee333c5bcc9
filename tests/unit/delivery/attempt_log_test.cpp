#include "src/delivery/attempt_log.hpp"

#include <gtest/gtest.h>

namespace stsrelay::delivery {
namespace {

TEST(AttemptLog, SentOverVerifiedTlsUnderEnforce) {
  AttemptLogLine line;
  line.queue_id = "01HQZ3K9ABCD";
  line.recipient = "user@example.com";
  line.relay_host = "mx1.example.com";
  line.relay_ip = "192.0.2.10";
  line.delay_seconds = 1.234;
  line.tls_version = "TLSv1.3";
  line.tls_verdict = "verified";
  line.sts_mode = "enforce";
  line.sts_id = "20240101";
  line.mx_verdict = "listed";
  line.dsn = "2.0.0";
  line.status = "sent";
  line.reply = "250 2.0.0 Ok: queued as 4F1";
  EXPECT_EQ(format_attempt(line),
            "01HQZ3K9ABCD: to=<user@example.com> relay=mx1.example.com[192.0.2.10]:25 "
            "delay=1.23 tls=TLSv1.3/verified sts=enforce/20240101 mx=listed dsn=2.0.0 "
            "status=sent reply=\"250 2.0.0 Ok: queued as 4F1\"");
}

TEST(AttemptLog, DeferredBeforeAnyConnection) {
  AttemptLogLine line;
  line.queue_id = "Q1";
  line.recipient = "\"odd name\"@example.net";
  line.dsn = "4.4.3";
  line.status = "deferred";
  line.reply = "DNS lookup of example.net MX failed: timeout";
  EXPECT_EQ(format_attempt(line),
            "Q1: to=\"<\\\"odd name\\\"@example.net>\" relay=none delay=0.00 dsn=4.4.3 "
            "status=deferred reply=\"DNS lookup of example.net MX failed: timeout\"");
}

TEST(AttemptLog, PlainConnectionSaysNoTls) {
  AttemptLogLine line;
  line.queue_id = "Q2";
  line.recipient = "a@example.org";
  line.relay_host = "mx.example.org";
  line.relay_ip = "2001:db8::25";
  line.dsn = "2.0.0";
  line.status = "sent";
  line.reply = "250 ok";
  EXPECT_EQ(format_attempt(line),
            "Q2: to=<a@example.org> relay=mx.example.org[2001:db8::25]:25 delay=0.00 tls=none "
            "dsn=2.0.0 status=sent reply=\"250 ok\"");
}

}  // namespace
}  // namespace stsrelay::delivery
