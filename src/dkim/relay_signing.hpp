// DKIM signatures for the mail the relay accepts ([[dkim.sign]]): which messages are signed, with
// which keys, over which header fields. Pure apart from the key's signature primitive.
//
// - The author domain is the domain of the single mailbox of the single From: field
//   (author.hpp); it must equal a configured domain exactly (a subdomain needs its own table).
// - A domain has at most one RSA and one Ed25519 key. With both, both signatures are added,
//   RSA first (RFC 8463 §4 transition: verifiers that do not know Ed25519 ignore that one).
// - A message that already carries a DKIM-Signature with the same d= and s= is not signed again
//   with that key (the client signed it, or it passed through this relay before).
// - c=relaxed/relaxed, rsa-sha256 or ed25519-sha256, t= set, no x=, no l=. The header fields of
//   RFC 6376 §5.4.1 that are present are signed; From, To, Subject, Date and Content-Type are
//   over-signed (§8.15), so none of them can be added later.
#pragma once

#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "src/core/clock.hpp"
#include "src/core/result.hpp"
#include "src/dkim/key.hpp"

namespace stsrelay::dkim {

struct SigningKey {
  std::string domain;    // normalised (lower case, A-labels)
  std::string selector;  // as configured
  DkimKey key;
  std::string key_file;  // where it came from, for messages
};

// The [[dkim.sign]] keys, immutable once made; shared by every accepting thread.
class SigningKeys {
 public:
  SigningKeys() = default;
  // Refuses two keys with one domain and selector, and two keys of one type for one domain;
  // the error names both key files.
  static core::Result<SigningKeys> make(std::vector<SigningKey> keys);

  // The keys of `domain` (normalised), RSA first; empty when it has none.
  std::vector<const SigningKey*> for_domain(std::string_view domain) const;
  const std::vector<SigningKey>& all() const { return keys_; }
  bool empty() const { return keys_.empty(); }

 private:
  std::vector<SigningKey> keys_;
};

// Header fields signed when present (RFC 6376 §5.4.1, plus the MIME and list fields a receiver
// shows or acts on), and the ones over-signed.
const std::vector<std::string>& oversigned_headers();
const std::vector<std::string>& signed_headers_if_present();

struct RelaySigning {
  std::string fields;                // DKIM-Signature fields to put before the message
  std::vector<std::string> signed_as;  // "d/s" of each signature added, in order
  // Why the message is not signed, when it has no single author domain or a signature failed
  // ("the From: field has 2 addresses"); empty when signed or when the domain has no key.
  std::string not_signed;
  bool failed = false;  // a key of the author domain could not sign (not_signed says why)
};

RelaySigning sign_relayed(std::string_view message, const SigningKeys& keys, core::SysTime now);

// The same for a message whose body is not in memory: `header` is its header section up to and
// including the empty line (a whole message also does), and `body_hash` gives the bh= value of the body (BodyHasher over
// its chunks). It is called only when a key of the author domain is going to sign, so mail of
// domains without a key is never read again.
using BodyHashFn = std::function<core::Result<std::string>()>;
RelaySigning sign_relayed_header(std::string_view header, const BodyHashFn& body_hash,
                                 const SigningKeys& keys, core::SysTime now);

}  // namespace stsrelay::dkim
