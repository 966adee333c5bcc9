#include "src/delivery/job_route.hpp"

#include "src/core/ascii.hpp"
#include "src/core/domain_name.hpp"

namespace stsrelay::delivery {
namespace {

std::string normalised(const std::string& domain) {
  auto n = core::normalize_domain(domain);
  return n ? *n : core::to_lower_ascii(domain);
}

}  // namespace

std::string address_domain(const std::string& address) {
  const std::size_t at = address.rfind('@');
  if (at == std::string::npos) return {};
  return normalised(address.substr(at + 1));
}

JobRoute route_for_job(const RouteTable& table, const queue::DeliveryJob& job) {
  const std::string recipient_domain = normalised(job.domain);
  const std::string sender_domain = address_domain(job.envelope.sender);
  const RouteMatch match = table.match(recipient_domain, sender_domain);
  JobRoute out;
  out.route = &table.route_for(recipient_domain, sender_domain);
  out.name = match.route ? "route[" + std::to_string(match.index) + "]" : "default";
  out.demand.floor = out.route->tls;
  out.demand.source = out.name;
  // `secure` for MX delivery names the recipient domain; for a next hop, the hop's own name.
  if (out.route->via_mx()) out.demand.nexthop_domain = recipient_domain;
  out.demand.requiretls = job.envelope.require_tls;
  return out;
}

}  // namespace stsrelay::delivery
