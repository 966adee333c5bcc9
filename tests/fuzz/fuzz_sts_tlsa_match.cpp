// Fuzz target: TLSA matching (sts/tlsa_match.hpp, RFC 7672 §3) over hostile TLSA RRsets and
// certificate chains. Input: one byte for the number of certificates (0-4), one byte whose bits
// say which anchor depths the injected DANE-TA chain check accepts, then per certificate one
// length-prefixed blob standing for it, then TLSA RDATA records, each length-prefixed (RFC 6698
// §2.1 wire form: usage, selector, matching type, data; shorter ones are skipped as the DNS
// decoder would reject them). A certificate's forms are derived from its blob without OpenSSL
// (distinct per selector, digest-sized for matching types 1 and 2), so the fuzzer can copy them
// into records and reach every match path.
//
// Invariants: no crash; deterministic; "all records unusable" exactly when no record is usable;
// a match names a usable record whose data equals the form of the certificate it matched, at
// depth 0 for DANE-EE and above the leaf for DANE-TA, whose chain check passed; the check runs
// only for depths inside the chain and above the leaf, at most once each; a mismatch says why.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <map>
#include <vector>

#include "sts/tlsa_match.hpp"

using namespace stsrelay;

namespace {

net::TlsaCertForms forms_from(const std::vector<std::uint8_t>& blob) {
  net::TlsaCertForms f;
  for (std::uint8_t s = 0; s < 2; ++s) {
    std::vector<std::uint8_t> full = blob;
    full.push_back(s);  // the SPKI differs from the certificate
    f.data[s][0] = full;
    f.data[s][1] = full;
    f.data[s][1].resize(32);
    f.data[s][2] = full;
    f.data[s][2].resize(64, 0x5A);
  }
  return f;
}

sts::TlsaVerdict run(const std::vector<net::TlsaRecord>& rrset,
                     const std::vector<net::TlsaCertForms>& chain, std::uint8_t accept,
                     std::map<std::size_t, int>& calls) {
  const sts::DaneTaCheck check = [&](std::size_t depth) {
    if (depth == 0 || depth >= chain.size()) std::abort();
    ++calls[depth];
    net::DaneTaVerdict v;
    v.chain_verified = (accept >> depth) & 1;
    v.name_matched = (accept >> (depth + 4)) & 1;
    if (!v.ok()) v.reason = "rejected by the fuzz input";
    return v;
  };
  return sts::match_tlsa(rrset, chain, check);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 2) return 0;
  const std::size_t certs = data[0] % 5;
  const std::uint8_t accept = data[1];
  std::size_t pos = 2;
  std::vector<net::TlsaCertForms> chain;
  for (std::size_t i = 0; i < certs && pos < size; ++i) {
    const std::size_t prefix = data[pos++];
    const std::size_t len = std::min(prefix, size - pos);
    chain.push_back(forms_from({data + pos, data + pos + len}));
    pos += len;
  }
  std::vector<net::TlsaRecord> rrset;
  while (pos < size) {
    const std::size_t prefix = data[pos++];
    const std::size_t len = std::min(prefix, size - pos);
    if (len >= 3) {
      rrset.push_back({data[pos], data[pos + 1], data[pos + 2],
                       {data + pos + 3, data + pos + len}});
    }
    pos += len;
  }

  std::map<std::size_t, int> calls;
  const sts::TlsaVerdict v = run(rrset, chain, accept, calls);
  std::map<std::size_t, int> calls_again;
  const sts::TlsaVerdict again = run(rrset, chain, accept, calls_again);
  if (v.outcome != again.outcome || v.record != again.record || v.depth != again.depth ||
      v.reason != again.reason || calls != calls_again) {
    std::abort();
  }
  for (const auto& [depth, n] : calls) {
    if (n != 1) std::abort();
  }

  std::size_t usable = 0;
  for (const auto& r : rrset) usable += sts::is_usable(r) ? 1 : 0;
  if (v.usable != usable) std::abort();
  if ((v.outcome == sts::TlsaOutcome::all_unusable) != (usable == 0)) std::abort();
  if (v.to_string().empty()) std::abort();
  switch (v.outcome) {
    case sts::TlsaOutcome::match: {
      if (!v.record || !sts::is_usable(*v.record) || v.depth >= chain.size()) std::abort();
      const auto* form = chain[v.depth].form(v.record->selector, v.record->matching_type);
      if (form == nullptr || *form != v.record->data) std::abort();
      if ((v.depth == 0) != (v.record->usage == sts::kDaneEe)) std::abort();
      if (v.depth > 0 && !(((accept >> v.depth) & 1) && ((accept >> (v.depth + 4)) & 1))) {
        std::abort();
      }
      if (v.to_string() != sts::parameters(*v.record) + ":match") std::abort();
      break;
    }
    case sts::TlsaOutcome::mismatch:
      if (v.record || v.reason.empty()) std::abort();
      break;
    case sts::TlsaOutcome::all_unusable:
      if (v.record || !calls.empty()) std::abort();
      break;
  }
  return 0;
}
