// The published DKIM key record against the configured key (RFC 6376 §3.6.1).
#include "src/dkim/key_record_check.hpp"

#include <gtest/gtest.h>

#include "dkim_test_keys.hpp"
#include "src/dkim/dns_record.hpp"

namespace stsrelay::dkim {
namespace {

TEST(KeyRecordCheck, Table) {
  const DkimKey& rsa = test::rsa_key();
  const DkimKey& ed = test::ed25519_key();
  const std::string p_rsa = rsa.public_key_base64();
  const std::string p_ed = ed.public_key_base64();
  struct Row {
    const char* name;
    std::vector<std::string> txt;
    const DkimKey* key;
    bool ok;
    std::string detail;  // the start of it
  };
  const Row rows[] = {
      {"what keygen prints", {dkim_txt_value(rsa, false)}, &rsa, true, "rsa key, 2048 bits"},
      {"Ed25519", {dkim_txt_value(ed, false)}, &ed, true, "ed25519 key"},
      {"no v= and no k= (rsa by default)", {"p=" + p_rsa}, &rsa, true, "rsa key"},
      {"testing flag", {"v=DKIM1; t=y:s; p=" + p_rsa}, &rsa, true, "rsa key, 2048 bits; t=y"},
      {"s=*", {"v=DKIM1; s=*; p=" + p_rsa}, &rsa, true, "rsa key"},
      {"no record", {}, &rsa, false, "no TXT record"},
      {"two records", {"p=" + p_rsa, "p=" + p_rsa}, &rsa, false, "2 TXT records"},
      {"revoked", {"v=DKIM1; p="}, &rsa, false, "the key is revoked"},
      {"another key", {"v=DKIM1; k=rsa; p=" + p_rsa}, &ed, false, "the record says k=rsa"},
      {"another rsa key", {"v=DKIM1; p=" + p_rsa.substr(0, p_rsa.size() - 8) + "AAAAAAAA"}, &rsa,
       false, "the published key (p=) is not"},
      {"report-only key", {dkim_txt_value(rsa, true)}, &rsa, false, "s=tlsrpt: the key is not"},
      {"sha1 only", {"v=DKIM1; h=sha1; p=" + p_rsa}, &rsa, false, "h=sha1 does not allow"},
      {"v= not first", {"k=rsa; v=DKIM1; p=" + p_rsa}, &rsa, false, "v= must be the first"},
      {"wrong version", {"v=DKIM2; p=" + p_rsa}, &rsa, false, "v=DKIM2, not DKIM1"},
      {"an SPF record", {"v=spf1 -all"}, &rsa, false, "v=spf1-all, not DKIM1"},
      {"not a tag list", {"hello world"}, &rsa, false, "not a DKIM key record"},
  };
  for (const Row& row : rows) {
    SCOPED_TRACE(row.name);
    const KeyRecordVerdict v = check_key_record(row.txt, *row.key);
    EXPECT_EQ(v.ok, row.ok) << v.detail;
    EXPECT_TRUE(v.detail.starts_with(row.detail)) << v.detail;
  }
}

}  // namespace
}  // namespace stsrelay::dkim
