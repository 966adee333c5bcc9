#include "src/app/metrics/metrics_text.hpp"

#include <fmt/format.h>

namespace stsrelay::app {
namespace {

// Exposition format 0.0.4: backslash and newline are escaped in HELP texts and label values,
// the double quote in label values only.
std::string escape_text(std::string_view text, bool quotes) {
  std::string out;
  for (char c : text) {
    if (c == '\\') {
      out += "\\\\";
    } else if (c == '\n') {
      out += "\\n";
    } else if (c == '"' && quotes) {
      out += "\\\"";
    } else {
      out += c;
    }
  }
  return out;
}

void family(std::string& out, std::string_view name, std::string_view type,
            std::string_view help) {
  out += fmt::format("# HELP {} {}\n# TYPE {} {}\n", name, escape_text(help, false), name, type);
}

std::string label(std::string_view name, std::string_view value) {
  return fmt::format("{}=\"{}\"", name, escape_label(value));
}

void sample(std::string& out, std::string_view name, const std::string& labels,
            std::uint64_t value) {
  out += name;
  if (!labels.empty()) out += "{" + labels + "}";
  out += ' ';
  out += std::to_string(value);
  out += '\n';
}

// Floats in the shortest form that reads back the same ("0.005", "1", "2.5").
std::string number(double value) { return fmt::format("{}", value); }

// The samples of one histogram; `labels` ("stage=\"plan\"", or empty) go before "le".
void histogram_samples(std::string& out, std::string_view name, const std::string& labels,
                       const Histogram& h) {
  const std::string bucket = std::string(name) + "_bucket";
  const std::string prefix = labels.empty() ? std::string() : labels + ",";
  for (std::size_t i = 0; i < h.bounds.size() && i < h.cumulative.size(); ++i) {
    sample(out, bucket, prefix + label("le", number(h.bounds[i])), h.cumulative[i]);
  }
  sample(out, bucket, prefix + label("le", "+Inf"), h.count);
  const std::string braces = labels.empty() ? std::string() : "{" + labels + "}";
  out += fmt::format("{}_sum{} {}\n", name, braces, number(h.sum));
  sample(out, std::string(name) + "_count", labels, h.count);
}

void histogram(std::string& out, std::string_view name, std::string_view help,
               const Histogram& h) {
  family(out, name, "histogram", help);
  histogram_samples(out, name, "", h);
}

void counter(std::string& out, std::string_view name, std::string_view help,
             std::uint64_t value) {
  family(out, name, "counter", help);
  sample(out, name, "", value);
}

}  // namespace

std::string escape_label(std::string_view value) { return escape_text(value, true); }

std::string render_metrics(const MetricsSnapshot& s) {
  std::string out;
  family(out, "stsrelay_smtp_connections_active", "gauge", "SMTP client connections open now.");
  sample(out, "stsrelay_smtp_connections_active", "", s.active_connections);
  counter(out, "stsrelay_smtp_connections_total", "SMTP client connections accepted.",
          s.connections_total);
  counter(out, "stsrelay_smtp_connections_refused_total",
          "SMTP connections refused over server.max_connections or max_connections_per_ip.",
          s.connections_refused);
  counter(out, "stsrelay_messages_accepted_total",
          "Messages stored in the queue and answered 250.", s.messages_accepted);
  counter(out, "stsrelay_messages_rejected_total", "Messages refused after DATA.",
          s.messages_rejected);

  family(out, "stsrelay_queue_recipients", "gauge", "Recipients in the queue by state.");
  for (const auto& [state, count] : s.recipients_by_state) {
    sample(out, "stsrelay_queue_recipients", label("state", state),
           static_cast<std::uint64_t>(count < 0 ? 0 : count));
  }

  family(out, "stsrelay_delivery_attempts_total", "counter",
         "Delivery attempts, one per recipient per attempt, by status (sent, deferred, bounced, "
         "dry-run), TLS (verified, unverified, none) and MTA-STS policy mode (enforce, testing, "
         "none, no-policy).");
  for (const auto& [key, count] : s.attempts) {
    sample(out, "stsrelay_delivery_attempts_total",
           label("status", key.status) + "," + label("tls", key.tls) + "," +
               label("policy", key.policy),
           count);
  }

  counter(out, "stsrelay_sts_policy_fetches_total", "MTA-STS policy fetches started.",
          s.policy_fetches);
  counter(out, "stsrelay_sts_policy_fetch_failures_total",
          "MTA-STS policy fetches that failed (HTTPS, certificate, or policy syntax).",
          s.policy_fetch_failures);
  histogram(out, "stsrelay_dns_query_duration_seconds",
            "Durations of DNS queries sent to the network, until the answer or the failure.",
            s.dns_latency);
  family(out, "stsrelay_stage_duration_seconds", "histogram",
         "How long each stage of the relay's work took: accept_store (end of DATA to the "
         "stored message's answer: fix-ups, DKIM, the durable commit), plan (a delivery job's "
         "route, MTA-STS policy and DNS), connect (a new session up to its TLS verdict), "
         "transaction (one message on a session), record (a job's results committed), job "
         "(a whole delivery job).");
  for (const auto& [stage, h] : s.stages) {
    histogram_samples(out, "stsrelay_stage_duration_seconds", label("stage", stage), h);
  }
  counter(out, "stsrelay_tlsrpt_sessions_total", "TLS-RPT session outcomes recorded.",
          s.tlsrpt_sessions);
  counter(out, "stsrelay_tlsrpt_write_errors_total",
          "Failed writes of TLS-RPT counters to tlsrpt.db (retried).", s.tlsrpt_write_errors);
  family(out, "stsrelay_dkim_signatures_total", "counter",
         "DKIM signatures added to accepted mail, by signing domain ([[dkim.sign]]).");
  for (const auto& [domain, count] : s.dkim_signatures) {
    sample(out, "stsrelay_dkim_signatures_total", label("domain", domain), count);
  }
  counter(out, "stsrelay_dkim_sign_failures_total",
          "Accepted messages a [[dkim.sign]] key of their author domain failed to sign (sent "
          "unsigned; the log says why).",
          s.dkim_failures);
  if (s.cluster) {
    counter(out, "stsrelay_cluster_batches_spooled_total",
            "TLS-RPT batches written to the local spool (cluster_spool.db).",
            s.cluster_batches_spooled);
    counter(out, "stsrelay_cluster_batches_flushed_total",
            "Spooled TLS-RPT batches the shared database added.", s.cluster_batches_flushed);
    counter(out, "stsrelay_cluster_batches_duplicate_total",
            "Spooled TLS-RPT batches the shared database had already (sent again after a lost "
            "reply; counted once).",
            s.cluster_batches_duplicate);
    counter(out, "stsrelay_cluster_flush_failures_total",
            "Flushes of the spool that failed (the database unreachable or slow; retried).",
            s.cluster_flush_failures);
    family(out, "stsrelay_cluster_spool_batches", "gauge",
           "TLS-RPT batches waiting in the local spool for the shared database.");
    // -1: the spool could not be read; no sample then rather than a wrong one.
    if (s.cluster_spool_pending >= 0) {
      sample(out, "stsrelay_cluster_spool_batches", "",
             static_cast<std::uint64_t>(s.cluster_spool_pending));
    }
  }
  family(out, "stsrelay_dnssec_validating", "gauge",
         "1 when the resolvers validate DNSSEC (the [dane] validation_probe came back with AD), "
         "0 when they do not (DANE then never applies); no sample while unknown or DANE is off.");
  if (s.dnssec_validating) {
    sample(out, "stsrelay_dnssec_validating", "", *s.dnssec_validating ? 1 : 0);
  }
  return out;
}

HealthReport render_health(const std::vector<HealthCheck>& checks) {
  HealthReport report;
  bool checked = false;
  bool failing = false;
  for (const HealthCheck& c : checks) {
    if (c.informational) {
      report.body += c.name + " " + c.detail + "\n";
      continue;
    }
    const std::string state = !c.ok        ? " failing: " + c.detail
                              : c.degraded ? " degraded: " + c.detail
                                           : " ok";
    report.body += c.name + state + "\n";
    checked = true;
    failing = failing || !c.ok;
  }
  report.healthy = checked && !failing;
  return report;
}

std::string summarize_health(int http_status, std::string_view body) {
  // 200 and 503 carry the checks; anything else did not come from our /healthz.
  if (http_status != 200 && http_status != 503) {
    return "unhealthy: HTTP " + std::to_string(http_status) + " from /healthz";
  }
  std::string line = http_status == 200 ? "healthy" : "unhealthy";
  std::string_view rest = body;
  bool first = true;
  while (!rest.empty()) {
    const auto nl = rest.find('\n');
    const std::string_view item = rest.substr(0, nl);
    rest = nl == std::string_view::npos ? std::string_view{} : rest.substr(nl + 1);
    if (item.empty()) continue;
    line += first ? ": " : "; ";
    line += item;
    first = false;
  }
  return line;
}

}  // namespace stsrelay::app
