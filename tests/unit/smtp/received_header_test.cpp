#include "smtp/received_header.hpp"

#include <gtest/gtest.h>

namespace stsrelay::smtp {
namespace {

// 2027-01-15T08:00:00Z, a Friday.
const core::SysTime kNow = core::from_unix(1800000000);

TEST(ReceivedHeader, AddressLiteral) {
  EXPECT_EQ(address_literal("192.0.2.1"), "[192.0.2.1]");
  EXPECT_EQ(address_literal("2001:db8::1"), "[IPv6:2001:db8::1]");
}

struct ReceivedRow {
  const char* name;
  ReceivedInfo info;
  std::string header;
};

TEST(ReceivedHeader, Table) {
  const ReceivedRow rows[] = {
      {"plain ESMTP, one recipient",
       {"client.example", "192.0.2.1", "relay.example.org", "ESMTP", "", "A1B2.1",
        "rcpt@example.com"},
       "Received: from client.example ([192.0.2.1]) by relay.example.org (stsrelay)\r\n"
       "\twith ESMTP id A1B2.1 for <rcpt@example.com>; Fri, 15 Jan 2027 08:00:00 +0000\r\n"},
      {"ESMTPSA with TLS, several recipients",
       {"client.example", "2001:db8::7", "relay.example.org", "ESMTPSA",
        "TLSv1.3:TLS_AES_256_GCM_SHA384", "", ""},
       "Received: from client.example ([IPv6:2001:db8::7])\r\n"
       "\tby relay.example.org (stsrelay)\r\n"
       "\twith ESMTPSA (TLSv1.3:TLS_AES_256_GCM_SHA384);\r\n"
       "\tFri, 15 Jan 2027 08:00:00 +0000\r\n"},
      {"hostile HELO is sanitised",
       {"evil)\x01; (x \xc3\xa9", "192.0.2.9", "r.example", "SMTP", "", "", ""},
       "Received: from evil?????x??? ([192.0.2.9]) by r.example (stsrelay) with SMTP;\r\n"
       "\tFri, 15 Jan 2027 08:00:00 +0000\r\n"},
  };
  for (const auto& row : rows) {
    SCOPED_TRACE(row.name);
    EXPECT_EQ(format_received(row.info, kNow), row.header);
  }
}

}  // namespace
}  // namespace stsrelay::smtp
