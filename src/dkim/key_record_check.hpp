// Does the DKIM key record published in DNS match a configured private key? (RFC 6376 §3.6.1
// tags, RFC 8463 §4 for Ed25519.) What `stsrelay dkim check` judges once it has the TXT records
// at <selector>._domainkey.<domain>. Pure.
#pragma once

#include <string>
#include <vector>

#include "src/dkim/key.hpp"

namespace stsrelay::dkim {

struct KeyRecordVerdict {
  bool ok = false;
  std::string detail;  // why not, or what passed ("rsa key, 2048 bits"), with any warning
};

// `txt_records`: each TXT record at the name, its character-strings joined (RFC 6376
// §3.6.2.2). Passes when exactly one record is a key record (v=DKIM1 when present, §3.6.1),
// it is not revoked (empty p=), its k= is the key's type, its p= is the key's public half, its
// s= covers email and its h= allows sha256. t=y passes with a warning in the detail.
KeyRecordVerdict check_key_record(const std::vector<std::string>& txt_records,
                                  const DkimKey& key);

}  // namespace stsrelay::dkim
