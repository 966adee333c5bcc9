#include "tlsrpt/report_build.hpp"

#include "tlsrpt/report_naming.hpp"

namespace stsrelay::tlsrpt {

BuiltReport build_report(const ReportMeta& meta, const DomainDay& data, core::SysTime now) {
  BuiltReport out;
  out.stored.id = make_report_id(data.day, data.policy_domain, meta.submitter);
  out.stored.day = data.day;
  out.stored.policy_domain = data.policy_domain;
  out.stored.json = build_report_json(meta, data);
  out.stored.created_at = now;
  out.filename = report_filename(data.day, data.policy_domain, meta.submitter);
  out.subject = report_subject(data.policy_domain, meta.submitter, out.stored.id);
  return out;
}

}  // namespace stsrelay::tlsrpt
