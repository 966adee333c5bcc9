#include "src/dkim/dns_record.hpp"

#include <algorithm>

namespace stsrelay::dkim {

// A character-string holds at most 255 bytes (RFC 1035 §3.3).
constexpr std::size_t kMaxCharacterString = 255;

std::string dkim_txt_value(const DkimKey& key, bool tlsrpt_only) {
  std::string out = "v=DKIM1; k=";
  out += to_string(key.type());
  if (tlsrpt_only) out += "; s=tlsrpt";
  out += "; p=";
  out += key.public_key_base64();
  return out;
}

std::string dkim_dns_record(std::string_view selector, std::string_view domain,
                            std::string_view txt_value) {
  std::string out(selector);
  out += "._domainkey.";
  out += domain;
  if (out.back() != '.') out += '.';
  out += " IN TXT";
  // The value holds no '"' or '\\' (tags, base64), so no zone-file escaping is needed.
  for (std::size_t pos = 0; pos < txt_value.size(); pos += kMaxCharacterString) {
    out += " \"";
    out += txt_value.substr(pos, std::min(kMaxCharacterString, txt_value.size() - pos));
    out += '"';
  }
  return out;
}

}  // namespace stsrelay::dkim
