#include "tlsrpt/report_list_format.hpp"

#include <algorithm>
#include <array>

#include <boost/json.hpp>

#include "src/core/log_quote.hpp"

namespace stsrelay::tlsrpt {
namespace {

namespace json = boost::json;

// One destination: "sent", or "pending attempts=2 next=... error=..." with what is known.
std::string delivery_text(const ReportDelivery& d) {
  std::string out = std::string(to_string(d.state)) + " attempts=" + std::to_string(d.attempts);
  if (d.state == DeliveryState::pending) out += " next=" + format_rfc3339(d.next_attempt_at);
  if (!d.last_error.empty() && d.state != DeliveryState::sent) {
    out += " error=\"" + core::printable(d.last_error, 200) + "\"";
  }
  return out;
}

}  // namespace

std::string format_report_list_text(const std::vector<ReportListing>& reports) {
  if (reports.empty()) return "No TLS-RPT reports\n";
  using Row = std::array<std::string, 4>;
  std::vector<Row> rows{{"DAY", "DOMAIN", "REPORT-ID", "CREATED"}};
  for (const ReportListing& l : reports) {
    rows.push_back({format_day(l.report.day), l.report.policy_domain, l.report.id,
                    format_rfc3339(l.report.created_at)});
  }
  std::array<std::size_t, 4> width{};
  for (const Row& r : rows) {
    for (std::size_t i = 0; i < r.size(); ++i) width[i] = std::max(width[i], r[i].size());
  }
  auto line = [&width](const Row& r) {
    std::string s;
    for (std::size_t i = 0; i < r.size(); ++i) {
      s += r[i];
      if (i + 1 < r.size()) s += std::string(width[i] - r[i].size() + 2, ' ');
    }
    return s + "\n";
  };
  std::string out = line(rows[0]);
  for (std::size_t i = 0; i < reports.size(); ++i) {
    out += line(rows[i + 1]);
    if (reports[i].deliveries.empty()) out += "    (no rua destinations)\n";
    for (const ReportDelivery& d : reports[i].deliveries) {
      out += "    " + d.uri + "  " + delivery_text(d) + "\n";
    }
  }
  return out;
}

std::string format_report_list_json(const std::vector<ReportListing>& reports) {
  json::array out;
  for (const ReportListing& l : reports) {
    json::object o;
    o["id"] = l.report.id;
    o["day"] = format_day(l.report.day);
    o["domain"] = l.report.policy_domain;
    o["created_at"] = format_rfc3339(l.report.created_at);
    json::array destinations;
    for (const ReportDelivery& d : l.deliveries) {
      json::object dest;
      dest["uri"] = d.uri;
      dest["state"] = to_string(d.state);
      dest["attempts"] = d.attempts;
      dest["next_attempt_at"] = format_rfc3339(d.next_attempt_at);
      dest["last_error"] = d.last_error;
      destinations.push_back(std::move(dest));
    }
    o["destinations"] = std::move(destinations);
    out.push_back(std::move(o));
  }
  return json::serialize(out) + "\n";
}

}  // namespace stsrelay::tlsrpt
