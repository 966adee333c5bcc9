#include "src/net/dnssec_probe.hpp"

#include <utility>

#include "src/core/enum_names.hpp"

namespace stsrelay::net {

namespace {
constexpr core::EnumNameList<Validation::unknown> kValidationNames{
    {"validating", "not validating", "unknown"}, "unknown"};
}  // namespace

std::string_view to_string(Validation v) { return kValidationNames.name(v); }

ValidationProbe judge_validation(std::string_view probe_name, DnsStatus status,
                                 bool authenticated, std::string_view reason) {
  const std::string asked = "TXT " + std::string(probe_name);
  ValidationProbe out;
  switch (dnssec_status(status, authenticated)) {
    case DnssecStatus::secure:
      out.state = Validation::validating;
      out.reason = "the answer to " + asked + " (" + std::string(to_string(status)) +
                   ") came back authenticated (AD bit)";
      return out;
    case DnssecStatus::insecure:
      out.state = Validation::not_validating;
      out.reason = "the answer to " + asked + " (" + std::string(to_string(status)) +
                   ") came back without the AD bit (should they validate after all, " +
                   std::string(probe_name) + " is not under their trust anchor)";
      return out;
    case DnssecStatus::indeterminate: break;
  }
  out.state = Validation::unknown;
  out.reason = "no answer to " + asked + " (" +
               (reason.empty() ? std::string("temporary failure") : std::string(reason)) +
               "): cannot tell whether the resolvers validate";
  return out;
}

void probe_validation(Resolver& resolver, std::string probe_name,
                      std::function<void(ValidationProbe)> done) {
  std::string name = probe_name;
  resolver.resolve_txt(std::move(name), [probe_name = std::move(probe_name),
                                         done = std::move(done)](DnsResult<TxtRecord> r) {
    done(judge_validation(probe_name, r.status, r.authenticated, r.reason));
  });
}

}  // namespace stsrelay::net
