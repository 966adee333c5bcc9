// The DNS TXT record that publishes a DKIM public key (RFC 6376 §3.6.1, RFC 8463 §4), as
// `stsrelay dkim keygen` prints it for the administrator to add to the zone. Pure.
#pragma once

#include <string>
#include <string_view>

#include "src/dkim/key.hpp"

namespace stsrelay::dkim {

// The record's text: "v=DKIM1; k=rsa; p=..." (or k=ed25519). With `tlsrpt_only`, the service
// type s=tlsrpt (registered by RFC 8460) restricts the key to TLS reports; verifiers that know
// only the email service then ignore signatures made with it, so it is opt-in.
std::string dkim_txt_value(const DkimKey& key, bool tlsrpt_only);

// A zone-file line: `<selector>._domainkey.<domain>. IN TXT "..." "..."`, the text split into
// character-strings of at most 255 bytes (RFC 1035 §3.3); resolvers join them (RFC 6376
// §3.6.2.2).
std::string dkim_dns_record(std::string_view selector, std::string_view domain,
                            std::string_view txt_value);

}  // namespace stsrelay::dkim
