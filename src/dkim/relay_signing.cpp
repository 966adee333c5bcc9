#include "src/dkim/relay_signing.hpp"

#include <algorithm>

#include "src/core/ascii.hpp"
#include "src/dkim/author.hpp"
#include "src/dkim/canon.hpp"
#include "src/dkim/signer.hpp"
#include "src/dkim/tag_list.hpp"

namespace stsrelay::dkim {
namespace {

std::string_view field_value(const HeaderField& f) {
  return f.raw.substr(std::min(f.raw.find(':') + 1, f.raw.size()));
}

// True when a DKIM-Signature of the message already names this d= and s=.
bool already_signed(const SplitMessage& message, const SigningKey& key) {
  for (const HeaderField& f : message.headers) {
    if (!core::iequals(f.name, "DKIM-Signature")) continue;
    auto tags = parse_tag_list(field_value(f));
    if (!tags) continue;  // a broken signature is not ours to judge; it does not count
    const auto d = tags->get("d");
    const auto s = tags->get("s");
    if (d && s && core::iequals(*d, key.domain) && core::iequals(*s, key.selector)) return true;
  }
  return false;
}

core::Result<std::string> single_author_domain(const SplitMessage& message) {
  const HeaderField* from = nullptr;
  for (const HeaderField& f : message.headers) {
    if (!core::iequals(f.name, "From")) continue;
    if (from) return core::Error::invalid("the message has two From: fields");
    from = &f;
  }
  if (!from) return core::Error::invalid("the message has no From: field");
  return author_domain(field_value(*from));
}

}  // namespace

core::Result<SigningKeys> SigningKeys::make(std::vector<SigningKey> keys) {
  for (std::size_t i = 0; i < keys.size(); ++i) {
    for (std::size_t j = 0; j < i; ++j) {
      const SigningKey& a = keys[j];
      const SigningKey& b = keys[i];
      if (a.domain != b.domain) continue;
      const std::string both = " (" + a.key_file + " and " + b.key_file + ")";
      if (core::iequals(a.selector, b.selector)) {
        return core::Error::invalid("two keys for domain " + b.domain + " and selector " +
                                    b.selector + both);
      }
      if (a.key.type() == b.key.type()) {
        return core::Error::invalid("two " + std::string(to_string(b.key.type())) +
                                    " keys for domain " + b.domain + both +
                                    ": a domain has one RSA and one Ed25519 key at most");
      }
    }
  }
  SigningKeys out;
  out.keys_ = std::move(keys);
  return out;
}

std::vector<const SigningKey*> SigningKeys::for_domain(std::string_view domain) const {
  std::vector<const SigningKey*> out;
  for (const SigningKey& k : keys_) {
    if (k.domain == domain) out.push_back(&k);
  }
  std::stable_sort(out.begin(), out.end(), [](const SigningKey* a, const SigningKey* b) {
    return a->key.type() == DkimKeyType::rsa && b->key.type() != DkimKeyType::rsa;
  });
  return out;
}

const std::vector<std::string>& oversigned_headers() {
  static const std::vector<std::string> names = {"From", "To", "Subject", "Date",
                                                 "Content-Type"};
  return names;
}

const std::vector<std::string>& signed_headers_if_present() {
  static const std::vector<std::string> names = {
      "Cc",           "Reply-To",       "Message-ID",          "In-Reply-To",
      "References",   "MIME-Version",   "Content-Transfer-Encoding",
      "Sender",       "Resent-Date",    "Resent-From",         "Resent-To",
      "Resent-Cc",    "List-Id",        "List-Help",           "List-Unsubscribe",
      "List-Unsubscribe-Post",          "List-Subscribe",      "List-Post",
      "List-Owner",   "List-Archive",   "Feedback-ID"};
  return names;
}

namespace {

// Signs `message` (split as `split`; the body may be absent when only the header section is at
// hand) with every key of the author domain that has not signed it yet.
RelaySigning sign_split(std::string_view message, const SplitMessage& split,
                        const BodyHashFn& body_hash, const SigningKeys& keys,
                        core::SysTime now) {
  RelaySigning out;
  auto domain = single_author_domain(split);
  if (!domain) {
    out.not_signed = domain.error().message;
    return out;
  }
  std::string bh;  // one hash of the body for every key
  for (const SigningKey* key : keys.for_domain(*domain)) {
    if (already_signed(split, *key)) continue;
    if (bh.empty()) {
      auto hashed = body_hash();
      if (!hashed) {
        out.failed = true;
        out.not_signed = "the body cannot be read: " + hashed.error().message;
        return out;
      }
      bh = std::move(*hashed);
    }
    DkimParams params;
    params.domain = key->domain;
    params.selector = key->selector;
    params.headers = oversigned_headers();
    params.sign_if_present = signed_headers_if_present();
    params.time = now;
    params.body_hash = bh;
    auto field = dkim_signature(message, key->key, params);
    if (!field) {
      out.failed = true;
      out.not_signed = key->domain + "/" + key->selector + ": " + field.error().message;
      continue;
    }
    out.fields += *field;
    out.signed_as.push_back(key->domain + "/" + key->selector);
  }
  return out;
}

// Splits the message, or says in `out` why it cannot be signed.
core::Result<SplitMessage> split_or_say(std::string_view message, RelaySigning& out) {
  auto split = split_message(message);
  if (!split) out.not_signed = "the header cannot be read: " + split.error().message;
  return split;
}

}  // namespace

RelaySigning sign_relayed(std::string_view message, const SigningKeys& keys, core::SysTime now) {
  if (keys.empty()) return {};
  RelaySigning out;
  auto split = split_or_say(message, out);
  if (!split) return out;
  // The body was found by the same split: hashed once, only when a key is to sign.
  const std::string_view body = split->body;
  return sign_split(message, *split, [body]() -> core::Result<std::string> {
    return body_hash(body);
  }, keys, now);
}

RelaySigning sign_relayed_header(std::string_view header, const BodyHashFn& body_hash,
                                 const SigningKeys& keys, core::SysTime now) {
  if (keys.empty()) return {};
  RelaySigning out;
  auto split = split_or_say(header, out);
  if (!split) return out;
  return sign_split(header, *split, body_hash, keys, now);
}

}  // namespace stsrelay::dkim
