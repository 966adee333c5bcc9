#include "src/app/metrics_text.hpp"

namespace stsrelay::app {
namespace {

void family(std::string& out, const char* name, const char* type, const char* help) {
  out += "# HELP ";
  out += name;
  out += ' ';
  out += help;
  out += "\n# TYPE ";
  out += name;
  out += ' ';
  out += type;
  out += '\n';
}

void sample(std::string& out, const char* name, const std::string& labels, std::uint64_t value) {
  out += name;
  if (!labels.empty()) out += "{" + labels + "}";
  out += ' ';
  out += std::to_string(value);
  out += '\n';
}

}  // namespace

std::string escape_label(const std::string& value) {
  std::string out;
  for (char c : value) {
    if (c == '\\') {
      out += "\\\\";
    } else if (c == '"') {
      out += "\\\"";
    } else if (c == '\n') {
      out += "\\n";
    } else {
      out += c;
    }
  }
  return out;
}

std::string render_metrics(const MetricsSnapshot& s) {
  std::string out;
  family(out, "stsrelay_smtp_connections_active", "gauge", "SMTP client connections open now.");
  sample(out, "stsrelay_smtp_connections_active", "", s.active_connections);
  family(out, "stsrelay_smtp_connections_total", "counter", "SMTP client connections accepted.");
  sample(out, "stsrelay_smtp_connections_total", "", s.connections_total);
  family(out, "stsrelay_smtp_connections_refused_total", "counter",
         "SMTP connections refused over server.max_connections or per-address limits.");
  sample(out, "stsrelay_smtp_connections_refused_total", "", s.connections_refused);
  family(out, "stsrelay_messages_accepted_total", "counter",
         "Messages stored in the queue and answered 250.");
  sample(out, "stsrelay_messages_accepted_total", "", s.messages_accepted);
  family(out, "stsrelay_messages_rejected_total", "counter", "Messages refused after DATA.");
  sample(out, "stsrelay_messages_rejected_total", "", s.messages_rejected);

  family(out, "stsrelay_queue_recipients", "gauge", "Recipients in the queue by state.");
  for (const auto& [state, count] : s.recipients_by_state) {
    sample(out, "stsrelay_queue_recipients", "state=\"" + escape_label(state) + "\"",
           static_cast<std::uint64_t>(count < 0 ? 0 : count));
  }

  family(out, "stsrelay_delivery_attempts_total", "counter",
         "Delivery attempts per recipient by status, TLS and MTA-STS policy mode.");
  for (const auto& [key, count] : s.attempts) {
    sample(out, "stsrelay_delivery_attempts_total",
           "status=\"" + escape_label(key.status) + "\",tls=\"" + escape_label(key.tls) +
               "\",policy=\"" + escape_label(key.policy) + "\"",
           count);
  }

  family(out, "stsrelay_sts_policy_fetches_total", "counter", "MTA-STS policy fetches started.");
  sample(out, "stsrelay_sts_policy_fetches_total", "", s.policy_fetches);
  family(out, "stsrelay_tlsrpt_sessions_total", "counter", "TLS-RPT session outcomes recorded.");
  sample(out, "stsrelay_tlsrpt_sessions_total", "", s.tlsrpt_sessions);
  family(out, "stsrelay_tlsrpt_write_errors_total", "counter",
         "Failed writes of TLS-RPT counters to tlsrpt.db (retried).");
  sample(out, "stsrelay_tlsrpt_write_errors_total", "", s.tlsrpt_write_errors);
  return out;
}

HealthReport render_health(const std::vector<HealthCheck>& checks) {
  HealthReport report;
  report.healthy = !checks.empty();
  for (const HealthCheck& c : checks) {
    report.body += c.name + (c.ok ? " ok" : " failing: " + c.detail) + "\n";
    if (!c.ok) report.healthy = false;
  }
  return report;
}

}  // namespace stsrelay::app
