#include "src/dkim/signer.hpp"

#include <openssl/evp.h>

#include <algorithm>

#include "src/core/ascii.hpp"
#include "src/core/base64.hpp"
#include "src/dkim/canon.hpp"
#include "src/dkim/fold.hpp"

namespace stsrelay::dkim {
namespace {

// d= and s= are DNS names (RFC 6376 §3.5: domain-name, selector = sub-domain *("." sub-domain));
// underscores are accepted in selectors because DNS accepts them and some publishers use them.
bool is_dns_name(std::string_view s, bool allow_underscore) {
  if (s.empty() || s.size() > 253 || s.front() == '.' || s.back() == '.') return false;
  std::size_t label = 0;
  for (char c : s) {
    if (c == '.') {
      if (label == 0) return false;
      label = 0;
      continue;
    }
    const bool ok = core::is_alnum(c) ||
                    c == '-' || (allow_underscore && c == '_');
    if (!ok || ++label > 63) return false;
  }
  return true;
}

// RFC 5322 §3.6.8: field names are printable ASCII other than the colon.
bool is_field_name(std::string_view s) {
  return !s.empty() && std::all_of(s.begin(), s.end(), [](char c) {
    return c >= 33 && c <= 126 && c != ':';
  });
}

core::Status check(const DkimParams& p) {
  if (!is_dns_name(p.domain, false)) {
    return core::Error::invalid("DKIM: d= \"" + p.domain + "\" is not a domain name");
  }
  if (!is_dns_name(p.selector, true)) {
    return core::Error::invalid("DKIM: s= \"" + p.selector + "\" is not a selector (a DNS name)");
  }
  if (core::to_unix(p.time) < 0) return core::Error::invalid("DKIM: t= before 1970");
  bool from = false;
  std::vector<std::string> names = p.headers;
  names.insert(names.end(), p.sign_if_present.begin(), p.sign_if_present.end());
  for (const auto& name : names) {
    if (!is_field_name(name)) {
      return core::Error::invalid("DKIM: \"" + name + "\" is not a header field name");
    }
    if (core::iequals(name, "DKIM-Signature")) {
      return core::Error::invalid("DKIM: the DKIM-Signature field is not signed in h=");
    }
    from = from || core::iequals(name, "From");
  }
  if (!from) return core::Error::invalid("DKIM: h= must include From (RFC 6376 §5.4)");
  return core::Ok{};
}

// The b= tag, last: its base64 value may be folded between any two characters (RFC 6376
// §2.4), so it fills the lines.
void add_signature_tag(std::vector<FoldPiece>& pieces, std::string_view value) {
  pieces.push_back({"b=", true});
  for (char c : value) pieces.push_back({std::string(1, c), false});
}

}  // namespace

std::string body_hash(std::string_view body) {
  BodyHasher hasher;
  hasher.feed(body);
  return hasher.finish();
}

struct BodyHasher::Digest {
  EVP_MD_CTX* ctx = EVP_MD_CTX_new();
  ~Digest() { EVP_MD_CTX_free(ctx); }
};

BodyHasher::BodyHasher() : digest_(std::make_unique<Digest>()) {
  EVP_DigestInit_ex(digest_->ctx, EVP_sha256(), nullptr);
}

BodyHasher::~BodyHasher() = default;

void BodyHasher::hash_canonical() {
  EVP_DigestUpdate(digest_->ctx, canonical_.data(), canonical_.size());
  canonical_.clear();
}

void BodyHasher::feed(std::string_view chunk) {
  canon_.feed(chunk, canonical_);
  hash_canonical();
}

std::string BodyHasher::finish() {
  canon_.finish(canonical_);
  hash_canonical();
  std::string digest(EVP_MAX_MD_SIZE, '\0');
  unsigned int len = 0;
  EVP_DigestFinal_ex(digest_->ctx, reinterpret_cast<unsigned char*>(digest.data()), &len);
  digest.resize(len);
  return core::encode_base64(digest);
}

core::Result<std::string> dkim_signature(std::string_view message, const DkimKey& key,
                                         const DkimParams& params) {
  if (auto ok = check(params); !ok) return ok.error();
  auto split = split_message(message);
  if (!split) return core::Error::invalid("DKIM: " + split.error().message);
  const auto& fields = split->headers;
  if (std::none_of(fields.begin(), fields.end(),
                   [](const HeaderField& f) { return core::iequals(f.name, "From"); })) {
    return core::Error::invalid("DKIM: the message has no From field");
  }

  // h=: each name as often as the message has it, plus once for the absent next instance when
  // it is over-signed.
  std::vector<std::string> h;
  std::vector<std::string> seen;
  const auto add_names = [&](const std::vector<std::string>& names, std::size_t extra) {
    for (const auto& name : names) {
      const std::string lname = core::to_lower_ascii(name);
      if (std::find(seen.begin(), seen.end(), lname) != seen.end()) continue;
      seen.push_back(lname);
      const auto count = std::count_if(fields.begin(), fields.end(), [&](const HeaderField& f) {
        return core::to_lower_ascii(f.name) == lname;
      });
      h.insert(h.end(), static_cast<std::size_t>(count) + extra, lname);
    }
  };
  add_names(params.headers, 1);
  add_names(params.sign_if_present, 0);

  // §5.4.2: the instances of a name are taken from the bottom of the header up.
  std::string signed_data;
  std::vector<bool> used(fields.size(), false);
  for (const auto& name : h) {
    for (std::size_t i = fields.size(); i-- > 0;) {
      if (!used[i] && core::to_lower_ascii(fields[i].name) == name) {
        used[i] = true;
        signed_data += relaxed_header(fields[i].raw);
        signed_data += "\r\n";
        break;
      }
    }
  }

  const std::string bh = params.body_hash.empty() ? body_hash(split->body) : params.body_hash;
  std::vector<FoldPiece> pieces = {
      {"v=1;", true},
      {"a=" + std::string(key.algorithm()) + ";", true},
      {"c=relaxed/relaxed;", true},
      {"d=" + params.domain + ";", true},
      {"s=" + params.selector + ";", true},
      {"t=" + std::to_string(core::to_unix(params.time)) + ";", true},
  };
  for (std::size_t i = 0; i < h.size(); ++i) {
    // FWS may stand around the colons of h= (§3.5), so every name is a place to fold.
    const bool first = i == 0;
    const bool last = i + 1 == h.size();
    pieces.push_back({(first ? "h=" : "") + h[i] + (last ? ";" : ":"), first});
  }
  // bh= is short enough to keep whole, as the large signers do; only b= is broken.
  pieces.push_back({"bh=" + bh + ";", true});
  pieces.push_back({"b=", true});

  // §3.7: the field itself is hashed last, relaxed, with an empty b= value and no CRLF.
  const std::string unsigned_field = fold_header("DKIM-Signature", pieces);
  signed_data += relaxed_header(unsigned_field);
  auto signature = key.sign(signed_data);
  if (!signature) return signature.error();

  pieces.pop_back();
  add_signature_tag(pieces, core::encode_base64(*signature));
  return fold_header("DKIM-Signature", pieces) + "\r\n";
}

}  // namespace stsrelay::dkim
