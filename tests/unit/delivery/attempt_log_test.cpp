#include "src/delivery/attempt_log.hpp"

#include <gtest/gtest.h>

#include <string>
#include <utility>

namespace stsrelay::delivery {
namespace {

// The fields of every attempt line, with or without a connection.
AttemptLogLine attempt(std::string queue_id, std::string recipient, std::string dsn,
                       std::string status, std::string reply) {
  AttemptLogLine line;
  line.queue_id = std::move(queue_id);
  line.recipient = std::move(recipient);
  line.dsn = std::move(dsn);
  line.status = std::move(status);
  line.reply = std::move(reply);
  return line;
}

TEST(AttemptLog, SentOverVerifiedTlsUnderEnforce) {
  AttemptLogLine line =
      attempt("01HQZ3K9ABCD", "user@example.com", "2.0.0", "sent", "250 2.0.0 Ok: queued as 4F1");
  line.relay_host = "mx1.example.com";
  line.relay_ip = "192.0.2.10";
  line.delay_seconds = 1.234;
  line.tls_version = "TLSv1.3";
  line.tls_verdict = "verified";
  line.sts_mode = "enforce";
  line.sts_id = "20240101";
  line.mx_verdict = "listed";
  EXPECT_EQ(format_attempt(line),
            "01HQZ3K9ABCD: to=<user@example.com> relay=mx1.example.com[192.0.2.10]:25 "
            "delay=1.23 tls=TLSv1.3/verified sts=enforce/20240101 mx=listed dsn=2.0.0 "
            "status=sent reply=\"250 2.0.0 Ok: queued as 4F1\"");
}

TEST(AttemptLog, DeferredBeforeAnyConnection) {
  const AttemptLogLine line = attempt("Q1", "\"odd name\"@example.net", "4.4.3", "deferred",
                                      "DNS lookup of example.net MX failed: timeout");
  EXPECT_EQ(format_attempt(line),
            "Q1: to=\"<\\\"odd name\\\"@example.net>\" relay=none delay=0.00 dsn=4.4.3 "
            "status=deferred reply=\"DNS lookup of example.net MX failed: timeout\"");
}

TEST(AttemptLog, PlainConnectionSaysNoTls) {
  AttemptLogLine line = attempt("Q2", "a@example.org", "2.0.0", "sent", "250 ok");
  line.relay_host = "mx.example.org";
  line.relay_ip = "2001:db8::25";
  EXPECT_EQ(format_attempt(line),
            "Q2: to=<a@example.org> relay=mx.example.org[2001:db8::25]:25 delay=0.00 tls=none "
            "dsn=2.0.0 status=sent reply=\"250 ok\"");
}

}  // namespace
}  // namespace stsrelay::delivery
