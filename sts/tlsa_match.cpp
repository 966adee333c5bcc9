#include "sts/tlsa_match.hpp"

#include <map>

#include "src/core/enum_names.hpp"

namespace stsrelay::sts {
namespace {

constexpr core::EnumNameList<TlsaOutcome::all_unusable> kOutcomeNames{
    {"match", "mismatch", "all-unusable"}, "unknown"};

bool data_matches(const net::TlsaRecord& r, const net::TlsaCertForms& cert) {
  const net::DerBytes* form = cert.form(r.selector, r.matching_type);
  // Exact comparison: data of another length (a truncated digest) never matches.
  return form != nullptr && !r.data.empty() && *form == r.data;
}

TlsaVerdict matched(const net::TlsaRecord& r, std::size_t depth, std::size_t usable) {
  TlsaVerdict v;
  v.outcome = TlsaOutcome::match;
  v.record = r;
  v.depth = depth;
  v.usable = usable;
  return v;
}

}  // namespace

bool is_usable(const net::TlsaRecord& record) {
  // RFC 7672 §3.1.3: PKIX-TA(0) and PKIX-EE(1) are unusable for SMTP; values past those RFC
  // 6698 defines are unusable too (RFC 6698 §4.1: a record that cannot be used is ignored).
  const bool usage = record.usage == kDaneTa || record.usage == kDaneEe;
  return usage && record.selector <= 1 && record.matching_type <= 2;
}

std::string parameters(const net::TlsaRecord& record) {
  return std::to_string(record.usage) + ' ' + std::to_string(record.selector) + ' ' +
         std::to_string(record.matching_type);
}

std::string_view to_string(TlsaOutcome outcome) { return kOutcomeNames.name(outcome); }

std::string TlsaVerdict::to_string() const {
  switch (outcome) {
    case TlsaOutcome::match: return (record ? parameters(*record) : std::string("?")) + ":match";
    case TlsaOutcome::all_unusable: return "all records unusable";
    case TlsaOutcome::mismatch: break;
  }
  return "mismatch: " + reason;
}

TlsaVerdict match_tlsa(std::span<const net::TlsaRecord> rrset,
                       std::span<const net::TlsaCertForms> chain, const DaneTaCheck& check_ta) {
  std::size_t usable = 0;
  for (const auto& r : rrset) usable += is_usable(r) ? 1 : 0;
  TlsaVerdict v;
  v.usable = usable;
  if (usable == 0) {
    v.outcome = TlsaOutcome::all_unusable;
    return v;
  }
  v.outcome = TlsaOutcome::mismatch;
  if (chain.empty()) {
    v.reason = "the server presented no certificate";
    return v;
  }

  // RFC 7672 §3.1.1: DANE-EE matches the leaf alone.
  for (const auto& r : rrset) {
    if (is_usable(r) && r.usage == kDaneEe && data_matches(r, chain[0])) {
      return matched(r, 0, usable);
    }
  }

  // RFC 7671 §5.2: DANE-TA matches an issuer in the presented chain, which must then anchor a
  // valid path to a leaf that names the host. One check per depth, however many records match.
  std::map<std::size_t, net::DaneTaVerdict> checked;
  std::string ta_failure;
  for (const auto& r : rrset) {
    if (!is_usable(r) || r.usage != kDaneTa) continue;
    for (std::size_t depth = 1; depth < chain.size(); ++depth) {
      if (!data_matches(r, chain[depth])) continue;
      auto it = checked.find(depth);
      if (it == checked.end()) it = checked.emplace(depth, check_ta(depth)).first;
      if (it->second.ok()) return matched(r, depth, usable);
      if (ta_failure.empty()) {
        ta_failure = parameters(r) + " matched certificate " + std::to_string(depth) +
                     ", but " + (it->second.reason.empty() ? "the chain check failed"
                                                           : it->second.reason);
      }
    }
  }
  v.reason = !ta_failure.empty()
                 ? ta_failure
                 : "none of " + std::to_string(usable) + " usable records matched the chain of " +
                       std::to_string(chain.size()) + " certificates";
  return v;
}

}  // namespace stsrelay::sts
