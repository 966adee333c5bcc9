#include "smtp/client_capabilities.hpp"

#include <gtest/gtest.h>

namespace stsrelay::smtp {
namespace {

Reply ehlo(std::vector<std::string> keywords) {
  Reply r{250, "", {"mx.example.test greets relay.example.org"}};
  r.lines.insert(r.lines.end(), keywords.begin(), keywords.end());
  return r;
}

TEST(ClientCapabilities, Table) {
  struct Row {
    const char* name;
    std::vector<std::string> lines;
    void (*check)(const Capabilities&);
  };
  const Row rows[] = {
      {"greeting line only", {}, [](const Capabilities& c) {
         EXPECT_TRUE(c.esmtp);
         EXPECT_FALSE(c.pipelining || c.size || c.starttls || c.eightbitmime);
         EXPECT_TRUE(c.keywords.empty());
       }},
      {"Postfix-like list",
       {"PIPELINING", "SIZE 10240000", "VRFY", "ETRN", "STARTTLS", "ENHANCEDSTATUSCODES",
        "8BITMIME", "DSN", "SMTPUTF8", "CHUNKING"},
       [](const Capabilities& c) {
         EXPECT_TRUE(c.pipelining && c.size && c.starttls && c.enhanced_status_codes &&
                     c.eightbitmime && c.dsn && c.smtputf8 && c.chunking);
         EXPECT_EQ(c.size_limit, 10240000u);
         EXPECT_EQ(c.keywords.size(), 10u);
       }},
      {"keywords are case-insensitive", {"pipelining", "StartTLS", "size 5"},
       [](const Capabilities& c) {
         EXPECT_TRUE(c.pipelining && c.starttls && c.size);
         EXPECT_EQ(c.size_limit, 5u);
         EXPECT_EQ(c.keywords, (std::vector<std::string>{"PIPELINING", "STARTTLS", "SIZE"}));
       }},
      {"SIZE without a number", {"SIZE"}, [](const Capabilities& c) {
         EXPECT_TRUE(c.size);
         EXPECT_FALSE(c.size_limit);
       }},
      {"SIZE 0 means no fixed maximum (RFC 1870 4)", {"SIZE 0"}, [](const Capabilities& c) {
         EXPECT_TRUE(c.size);
         EXPECT_FALSE(c.size_limit);
       }},
      {"SIZE garbage is ignored", {"SIZE lots"}, [](const Capabilities& c) {
         EXPECT_TRUE(c.size);
         EXPECT_FALSE(c.size_limit);
       }},
      {"SIZE beyond 64 bits saturates", {"SIZE 999999999999999999999999"},
       [](const Capabilities& c) { EXPECT_EQ(c.size_limit, UINT64_MAX); }},
      {"AUTH mechanisms, both forms, no duplicates",
       {"AUTH PLAIN login CRAM-MD5", "AUTH=LOGIN PLAIN"}, [](const Capabilities& c) {
         EXPECT_EQ(c.auth, (std::vector<std::string>{"PLAIN", "LOGIN", "CRAM-MD5"}));
         EXPECT_EQ(c.keywords, (std::vector<std::string>{"AUTH"}));
       }},
      {"blank and tab-separated lines", {"", "SIZE\t100"}, [](const Capabilities& c) {
         EXPECT_EQ(c.size_limit, 100u);
       }},
      {"unknown keywords listed only", {"X-FOO bar", "XCLIENT NAME"}, [](const Capabilities& c) {
         EXPECT_EQ(c.keywords, (std::vector<std::string>{"X-FOO", "XCLIENT"}));
         EXPECT_FALSE(c.pipelining);
       }},
      {"a keyword in the greeting line does not count", {}, [](const Capabilities& c) {
         EXPECT_FALSE(c.starttls);
       }},
      {"REQUIRETLS (RFC 8689 2), any case", {"PIPELINING", "requireTLS"},
       [](const Capabilities& c) {
         EXPECT_TRUE(c.requiretls);
         EXPECT_EQ(c.keywords, (std::vector<std::string>{"PIPELINING", "REQUIRETLS"}));
       }},
      {"no REQUIRETLS unless listed", {"STARTTLS", "X-REQUIRETLS"}, [](const Capabilities& c) {
         EXPECT_FALSE(c.requiretls);
       }},
  };
  for (const Row& row : rows) {
    SCOPED_TRACE(row.name);
    row.check(parse_ehlo(ehlo(row.lines)));
  }
  EXPECT_FALSE(parse_ehlo(Reply{250, "", {"STARTTLS"}}).starttls);
}

// TLS-RPT receiving-mx-helo: the first word of the first line, whatever follows it.
TEST(ClientCapabilities, ServerName) {
  EXPECT_EQ(parse_ehlo(ehlo({})).server_name, "mx.example.test");
  EXPECT_EQ(parse_ehlo(Reply{250, "", {"mx1.example.test"}}).server_name, "mx1.example.test");
  EXPECT_EQ(parse_ehlo(Reply{250, "", {""}}).server_name, "");
  EXPECT_EQ(parse_ehlo(Reply{250, "", {std::string(300, 'a')}}).server_name.size(), 255u);
}

}  // namespace
}  // namespace stsrelay::smtp
