// `delivery.dns_servers` entries, and the name helpers of dns_types.
#include "src/net/dns_servers.hpp"

#include <gtest/gtest.h>

namespace stsrelay::net {
namespace {

struct Row {
  const char* text;
  bool ok;
  std::string address = {};
  std::uint16_t port = 0;
};

TEST(DnsServers, ParsesEntries) {
  const std::vector<Row> rows = {
      {"127.0.0.53", true, "127.0.0.53", 53},
      {"127.0.0.53:5353", true, "127.0.0.53", 5353},
      {"[::1]:53", true, "::1", 53},
      {"[2001:db8::53]:1053", true, "2001:db8::53", 1053},
      {"2001:db8::53", true, "2001:db8::53", 53},
      {"[2001:db8::53]", true, "2001:db8::53", 53},
      {"", false},
      {"127.0.0.1:", false},
      {"127.0.0.1:0", false},
      {"127.0.0.1:65536", false},
      {"127.0.0.1:53x", false},
      {"ns.example.test:53", false},
      {"[127.0.0.1]:53", false},
      {"[::1", false},
      {"[::1]53", false},
  };
  for (const Row& row : rows) {
    SCOPED_TRACE(row.text);
    auto s = parse_dns_server(row.text);
    ASSERT_EQ(s.ok(), row.ok);
    if (!row.ok) {
      EXPECT_NE(s.error().message.find(row.text), std::string::npos) << "error names the entry";
      continue;
    }
    EXPECT_EQ(s->address.to_string(), row.address);
    EXPECT_EQ(s->port, row.port);
  }
}

TEST(DnsServers, CaresCsv) {
  std::vector<DnsServer> servers;
  for (const char* t : {"127.0.0.53", "[::1]:5353"}) servers.push_back(*parse_dns_server(t));
  EXPECT_EQ(to_cares_csv(servers), "127.0.0.53:53,[::1]:5353");
}

TEST(DnsNames, NormalizeAndValidate) {
  EXPECT_EQ(normalize_dns_name("MX.Example.TEST."), "mx.example.test");
  EXPECT_EQ(normalize_dns_name("."), ".");
  const std::string label63(63, 'a');
  const struct {
    std::string name;
    bool valid;
  } rows[] = {
      {"example.test", true},
      {"example.test.", true},
      {"_mta-sts.example.test", true},
      {label63 + ".test", true},
      {label63 + "a.test", false},
      {"", false},
      {".", false},
      {"a..test", false},
      {".test", false},
      {label63 + "." + label63 + "." + label63 + "." + std::string(61, 'a'), true},  // 253
      {label63 + "." + label63 + "." + label63 + "." + std::string(62, 'a'), false},  // 254
  };
  for (const auto& row : rows) {
    SCOPED_TRACE(row.name);
    EXPECT_EQ(is_valid_query_name(row.name), row.valid);
  }
}

}  // namespace
}  // namespace stsrelay::net
