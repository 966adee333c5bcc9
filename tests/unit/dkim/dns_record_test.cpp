// The DKIM key record keygen prints: its tags, and the zone-file line with character-strings of
// at most 255 bytes that join back to the record.
#include "src/dkim/dns_record.hpp"

#include <gtest/gtest.h>

#include "dkim_test_keys.hpp"

namespace stsrelay::dkim {
namespace {

// The character-strings of a zone-file TXT line, in order.
std::vector<std::string> strings_of(const std::string& line) {
  std::vector<std::string> out;
  for (auto open = line.find('"'); open != std::string::npos; open = line.find('"', open)) {
    const auto close = line.find('"', open + 1);
    out.push_back(line.substr(open + 1, close - open - 1));
    open = close + 1;
  }
  return out;
}

TEST(DkimDnsRecord, TxtValue) {
  const auto& rsa = test::rsa_key();
  const auto& ed = test::ed25519_key();
  EXPECT_EQ(dkim_txt_value(rsa, false), "v=DKIM1; k=rsa; p=" + rsa.public_key_base64());
  EXPECT_EQ(dkim_txt_value(ed, false), "v=DKIM1; k=ed25519; p=" + ed.public_key_base64());
  EXPECT_EQ(dkim_txt_value(ed, true), "v=DKIM1; k=ed25519; s=tlsrpt; p=" + ed.public_key_base64());
}

TEST(DkimDnsRecord, ZoneLines) {
  struct Row {
    const char* name;
    std::string value;
    std::vector<std::size_t> sizes;  // of the character-strings
  };
  const std::vector<Row> rows = {
      {"short", "v=DKIM1; k=ed25519; p=" + std::string(44, 'A'), {66}},
      {"exactly 255", std::string(255, 'x'), {255}},
      {"256 splits", std::string(256, 'x'), {255, 1}},
      {"RSA 2048 record", dkim_txt_value(test::rsa_key(), false), {255, 155}},
      {"RSA 4096-sized record", std::string(755, 'p'), {255, 255, 245}},
  };
  for (const auto& row : rows) {
    SCOPED_TRACE(row.name);
    const std::string line = dkim_dns_record("tlsrpt", "example.org", row.value);
    EXPECT_EQ(line.rfind("tlsrpt._domainkey.example.org. IN TXT \"", 0), 0u) << line;
    const auto parts = strings_of(line);
    std::vector<std::size_t> sizes;
    std::string joined;
    for (const auto& p : parts) {
      sizes.push_back(p.size());
      joined += p;
    }
    EXPECT_EQ(sizes, row.sizes);
    EXPECT_EQ(joined, row.value);
  }
}

TEST(DkimDnsRecord, DomainWithTrailingDotIsNotDoubled) {
  EXPECT_EQ(dkim_dns_record("s1", "example.org.", "v=DKIM1"),
            "s1._domainkey.example.org. IN TXT \"v=DKIM1\"");
}

}  // namespace
}  // namespace stsrelay::dkim
