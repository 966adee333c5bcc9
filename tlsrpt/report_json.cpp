#include "tlsrpt/report_json.hpp"

#include <boost/json.hpp>

#include "tlsrpt/contact_address.hpp"
#include "tlsrpt/report_naming.hpp"

namespace stsrelay::tlsrpt {
namespace {

namespace json = boost::json;

void put_if(json::object& o, std::string_view name, const std::string& value) {
  if (!value.empty()) o[name] = value;
}

json::array string_array(const std::vector<std::string>& v) {
  json::array a;
  for (const auto& s : v) a.emplace_back(s);
  return a;
}

json::object failure_json(const FailureKey& f, std::int64_t count) {
  json::object o;
  o["result-type"] = sts::to_string(f.result_type);
  put_if(o, "sending-mta-ip", f.sending_mta_ip);
  put_if(o, "receiving-mx-hostname", f.receiving_mx_hostname);
  put_if(o, "receiving-mx-helo", f.receiving_mx_helo);
  put_if(o, "receiving-ip", f.receiving_ip);
  o["failed-session-count"] = count;
  put_if(o, "additional-information", f.additional_information);
  put_if(o, "failure-reason-code", f.failure_reason_code);
  return o;
}

json::object policy_json(const std::string& policy_domain, const PolicyTotals& p) {
  json::object policy;
  policy["policy-type"] = to_string(p.policy.type);
  if (!p.policy.policy_string.empty()) {
    policy["policy-string"] = string_array(p.policy.policy_string);
  }
  policy["policy-domain"] = policy_domain;
  if (!p.policy.mx_host.empty()) policy["mx-host"] = string_array(p.policy.mx_host);

  json::object summary;
  summary["total-successful-session-count"] = p.successful;
  summary["total-failure-session-count"] = p.failed;

  json::object o;
  o["policy"] = std::move(policy);
  o["summary"] = std::move(summary);
  if (!p.failures.empty()) {
    json::array details;
    for (const auto& [key, count] : p.failures) details.push_back(failure_json(key, count));
    o["failure-details"] = std::move(details);
  }
  return o;
}

}  // namespace

std::string build_report_json(const ReportMeta& meta, const DomainDay& data) {
  json::object report;
  report["organization-name"] = meta.organization_name;
  json::object range;
  range["start-datetime"] = format_rfc3339(day_begin(data.day));
  range["end-datetime"] = format_rfc3339(day_end(data.day));
  report["date-range"] = std::move(range);
  report["contact-info"] = contact_address(meta.contact_info);
  report["report-id"] = make_report_id(data.day, data.policy_domain, meta.submitter);
  json::array policies;
  for (const PolicyTotals& p : data.policies) policies.push_back(policy_json(data.policy_domain, p));
  report["policies"] = std::move(policies);
  return json::serialize(report);
}

}  // namespace stsrelay::tlsrpt
