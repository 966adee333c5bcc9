// DKIM signing (RFC 6376 §5) of a complete message: the DKIM-Signature field to prepend.
// c=relaxed/relaxed, SHA-256, no l= tag (RFC 8460 §5.3 forbids it for reports: the whole body
// is signed), t= from the caller. Pure apart from the signature primitive of DkimKey: no
// clock, no I/O.
//
// Every name of `headers` is listed in h= once more than the message has it (over-signed), so
// the signature also covers the absence of a further instance (RFC 6376 §5.4.2, §8.15): a copy
// with a second From or Subject added on the way does not verify. The names of
// `sign_if_present` are listed as often as the message has them, and not at all when absent.
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "src/core/clock.hpp"
#include "src/core/result.hpp"
#include "src/dkim/canon.hpp"
#include "src/dkim/key.hpp"

namespace stsrelay::dkim {

struct DkimParams {
  std::string domain;                // d=: the signing domain
  std::string selector;              // s=: the key is at <selector>._domainkey.<domain>
  std::vector<std::string> headers;  // header names to over-sign; must include From (§5.4)
  core::SysTime time{};              // t=: the signature's timestamp
  std::vector<std::string> sign_if_present;  // header names signed only where they stand
  // bh= when the caller already has it (several keys signing one message hash its body once);
  // empty: computed here.
  std::string body_hash;
};

// The bh= value of a body (RFC 6376 §3.7): base64 of SHA-256 over its relaxed form.
std::string body_hash(std::string_view body);

// body_hash() over a body fed in chunks: the same value, in constant memory.
class BodyHasher {
 public:
  BodyHasher();
  ~BodyHasher();
  BodyHasher(const BodyHasher&) = delete;
  BodyHasher& operator=(const BodyHasher&) = delete;

  void feed(std::string_view chunk);
  std::string finish();  // the bh= value; the hasher is spent afterwards

 private:
  void hash_canonical();

  RelaxedBodyCanon canon_;
  std::string canonical_;  // canonical bytes of the current chunk, hashed at once
  struct Digest;
  std::unique_ptr<Digest> digest_;
};

// The "DKIM-Signature: ..." field for `message` (header fields, empty line, body; CRLF line
// endings), folded at 78 characters, ending with CRLF, to be placed before the first field.
// Errors: a malformed message, a message without From, bad d=/s=/header names.
core::Result<std::string> dkim_signature(std::string_view message, const DkimKey& key,
                                         const DkimParams& params);

}  // namespace stsrelay::dkim
