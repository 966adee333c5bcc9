// An independent DKIM verifier for the tests (RFC 6376 §6, RFC 8463): its own field splitting,
// tag parsing and relaxed canonicalisation (string replacement passes, none of
// src/dkim/canon),
// and OpenSSL's verify against the public key taken from the DNS TXT record text. It checks
// the first DKIM-Signature field of a message and says why it fails.
#pragma once

#include <openssl/evp.h>
#include <openssl/x509.h>

#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace stsrelay::dkim::test {

struct Verdict {
  bool ok = false;
  std::string reason;  // why not, or "pass"
  std::map<std::string, std::string> tags;  // the signature's tags, whitespace removed
};

namespace detail {

inline std::string lowercase(std::string s) {
  for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

// Every occurrence of `from` replaced by `to`, repeated until none is left.
inline std::string replace_all(std::string s, const std::string& from, const std::string& to) {
  for (auto pos = s.find(from); pos != std::string::npos; pos = s.find(from)) {
    s.replace(pos, from.size(), to);
  }
  return s;
}

inline std::string strip_ws(std::string s) {
  std::string out;
  for (char c : s) {
    if (c != ' ' && c != '\t' && c != '\r' && c != '\n') out += c;
  }
  return out;
}

// Tabs to spaces, then double spaces to one: RFC 6376's "runs of WSP to a single SP".
inline std::string squeeze(std::string s) {
  return replace_all(replace_all(std::move(s), "\t", " "), "  ", " ");
}

inline std::string trim_spaces(std::string s) {
  while (!s.empty() && s.front() == ' ') s.erase(0, 1);
  while (!s.empty() && s.back() == ' ') s.pop_back();
  return s;
}

// "name=value; ..." into a map; the b, bh and h values lose all whitespace, others are trimmed.
inline std::map<std::string, std::string> parse_tags(const std::string& list) {
  std::map<std::string, std::string> tags;
  std::string text = replace_all(list, "\r\n", "");
  std::size_t pos = 0;
  while (pos <= text.size()) {
    std::size_t end = text.find(';', pos);
    if (end == std::string::npos) end = text.size();
    const std::string spec = text.substr(pos, end - pos);
    const auto eq = spec.find('=');
    if (eq != std::string::npos) {
      std::string name = strip_ws(spec.substr(0, eq));
      std::string value = trim_spaces(squeeze(spec.substr(eq + 1)));
      if (name == "b" || name == "bh" || name == "h" || name == "p") value = strip_ws(value);
      tags[name] = value;
    }
    pos = end + 1;
  }
  return tags;
}

inline std::string relaxed_field(const std::string& raw) {
  const auto colon = raw.find(':');
  std::string name = lowercase(strip_ws(raw.substr(0, colon)));
  return name + ":" + trim_spaces(squeeze(replace_all(raw.substr(colon + 1), "\r\n", "")));
}

inline std::string relaxed_body(const std::string& body) {
  std::vector<std::string> lines;
  std::size_t pos = 0;
  while (pos < body.size()) {
    auto eol = body.find("\r\n", pos);
    if (eol == std::string::npos) eol = body.size();
    std::string line = squeeze(body.substr(pos, eol - pos));
    if (!line.empty() && line.back() == ' ') line.pop_back();
    lines.push_back(line);
    pos = eol + 2;
  }
  while (!lines.empty() && lines.back().empty()) lines.pop_back();
  std::string out;
  for (const auto& l : lines) out += l + "\r\n";
  return out;
}

inline std::string sha256(const std::string& data) {
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  EVP_Digest(data.data(), data.size(), md, &len, EVP_sha256(), nullptr);
  return std::string(reinterpret_cast<char*>(md), len);
}

inline std::string b64encode(const std::string& bytes) {
  std::string out(4 * ((bytes.size() + 2) / 3) + 1, '\0');
  const int n = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                                reinterpret_cast<const unsigned char*>(bytes.data()),
                                static_cast<int>(bytes.size()));
  out.resize(static_cast<std::size_t>(n));
  return out;
}

inline std::string b64decode(const std::string& text) {
  if (text.empty() || text.size() % 4 != 0) return {};
  std::string out(text.size() / 4 * 3, '\0');
  const int n = EVP_DecodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                                reinterpret_cast<const unsigned char*>(text.data()),
                                static_cast<int>(text.size()));
  if (n < 0) return {};
  std::size_t pad = 0;
  for (auto it = text.rbegin(); it != text.rend() && *it == '='; ++it) ++pad;
  out.resize(static_cast<std::size_t>(n) - pad);
  return out;
}

struct PkeyFree {
  void operator()(EVP_PKEY* p) const { EVP_PKEY_free(p); }
};

}  // namespace detail

inline Verdict verify_dkim(const std::string& message, const std::string& dns_txt) {
  using namespace detail;
  Verdict v;
  // Header fields, folding kept, and the body.
  const auto blank = message.find("\r\n\r\n");
  const std::string head = message.substr(0, blank == std::string::npos ? message.size()
                                                                         : blank + 2);
  const std::string body = blank == std::string::npos ? "" : message.substr(blank + 4);
  std::vector<std::string> fields;
  for (std::size_t pos = 0; pos < head.size();) {
    const auto eol = head.find("\r\n", pos);
    const std::string line = head.substr(pos, eol - pos);
    if (!line.empty() && (line[0] == ' ' || line[0] == '\t') && !fields.empty()) {
      fields.back() += "\r\n" + line;
    } else {
      fields.push_back(line);
    }
    pos = eol + 2;
  }
  auto name_of = [](const std::string& f) { return lowercase(strip_ws(f.substr(0, f.find(':')))); };
  std::size_t sig_index = fields.size();
  for (std::size_t i = 0; i < fields.size(); ++i) {
    if (name_of(fields[i]) == "dkim-signature") {
      sig_index = i;
      break;
    }
  }
  if (sig_index == fields.size()) return {false, "no DKIM-Signature field", {}};
  const std::string& sig_field = fields[sig_index];
  v.tags = parse_tags(sig_field.substr(sig_field.find(':') + 1));
  auto& t = v.tags;
  if (t["v"] != "1") return {false, "v= is not 1", t};
  if (t["c"] != "relaxed/relaxed") return {false, "c= is not relaxed/relaxed", t};
  if (t.count("l")) return {false, "l= present", t};
  const std::string a = t["a"];
  if (a != "rsa-sha256" && a != "ed25519-sha256") return {false, "unknown a=" + a, t};

  if (b64encode(sha256(relaxed_body(body))) != t["bh"]) return {false, "body hash mismatch", t};

  // The signed fields: each h= name takes the next instance from the bottom up.
  std::string data;
  std::vector<bool> used(fields.size(), false);
  std::string h = t["h"];
  for (std::size_t pos = 0; pos <= h.size();) {
    auto end = h.find(':', pos);
    if (end == std::string::npos) end = h.size();
    const std::string name = lowercase(h.substr(pos, end - pos));
    for (std::size_t i = fields.size(); i-- > 0;) {
      if (i != sig_index && !used[i] && name_of(fields[i]) == name) {
        used[i] = true;
        data += relaxed_field(fields[i]) + "\r\n";
        break;
      }
    }
    pos = end + 1;
  }
  // The signature field with the b= value (and whitespace around it) deleted: the tag whose
  // name, stripped of whitespace, is "b".
  std::string without_b = sig_field;
  for (std::size_t start = without_b.find(':') + 1; start < without_b.size();) {
    std::size_t end = without_b.find(';', start);
    if (end == std::string::npos) end = without_b.size();
    const auto eq = without_b.find('=', start);
    if (eq < end && strip_ws(without_b.substr(start, eq - start)) == "b") {
      without_b.erase(eq + 1, end - eq - 1);
      break;
    }
    start = end + 1;
  }
  data += relaxed_field(without_b);

  // The key from the DNS record.
  auto record = parse_tags(dns_txt);
  const std::string k = record.count("k") ? record["k"] : "rsa";
  const std::string p = b64decode(record["p"]);
  if (p.empty()) return {false, "no p= in the DNS record", t};
  std::unique_ptr<EVP_PKEY, PkeyFree> pkey;
  if (k == "ed25519") {
    if (a != "ed25519-sha256") return {false, "k=ed25519 but a=" + a, t};
    pkey.reset(EVP_PKEY_new_raw_public_key(EVP_PKEY_ED25519, nullptr,
                                           reinterpret_cast<const unsigned char*>(p.data()),
                                           p.size()));
  } else {
    if (a != "rsa-sha256") return {false, "k=rsa but a=" + a, t};
    const auto* der = reinterpret_cast<const unsigned char*>(p.data());
    pkey.reset(d2i_PUBKEY(nullptr, &der, static_cast<long>(p.size())));
  }
  if (!pkey) return {false, "unusable public key in the DNS record", t};

  const std::string sig = b64decode(t["b"]);
  if (sig.empty()) return {false, "b= is not base64", t};
  EVP_MD_CTX* ctx = EVP_MD_CTX_new();
  std::string input = data;
  const EVP_MD* md = EVP_sha256();
  if (k == "ed25519") {
    input = sha256(data);  // RFC 8463 §3: Ed25519 over the SHA-256 hash
    md = nullptr;
  }
  int rc = EVP_DigestVerifyInit(ctx, nullptr, md, nullptr, pkey.get());
  if (rc == 1) {
    rc = EVP_DigestVerify(ctx, reinterpret_cast<const unsigned char*>(sig.data()), sig.size(),
                          reinterpret_cast<const unsigned char*>(input.data()), input.size());
  }
  EVP_MD_CTX_free(ctx);
  if (rc != 1) return {false, "signature does not verify", t};
  return {true, "pass", t};
}

}  // namespace stsrelay::dkim::test
