// The metrics endpoint's texts, from a snapshot of the daemon's counters. Pure.
//
// /metrics: Prometheus text exposition format 0.0.4 — per family a HELP and a TYPE line, then
// its samples; label values escaped (backslash, double quote, newline), HELP texts too
// (backslash, newline). Families whose samples depend on what happened (queue states,
// delivery attempts) still get their HELP and TYPE lines, so a scrape shows what exists.
// /healthz: one line per check ("smtp ok", "queue ok", "delivery ok", or "... failing: why"),
// and whether all of them pass (HTTP 200) or not (503).
// `stsrelay health`: that answer as one line for the Docker HEALTHCHECK log.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "src/delivery/delivery_counters.hpp"

namespace stsrelay::app {

struct Histogram {
  std::vector<double> bounds;            // ascending upper bounds ("le"), without +Inf
  std::vector<std::uint64_t> cumulative;  // observations <= each bound; as many as bounds
  std::uint64_t count = 0;               // all observations (the +Inf bucket)
  double sum = 0;
};

struct MetricsSnapshot {
  // SMTP ingress.
  std::uint64_t active_connections = 0;
  std::uint64_t connections_total = 0;
  std::uint64_t connections_refused = 0;
  std::uint64_t messages_accepted = 0;
  std::uint64_t messages_rejected = 0;
  // Recipients in the queue by state ("queued", "deferred", ...); empty when the read failed.
  std::map<std::string, std::int64_t> recipients_by_state;
  // Delivery attempts (one per recipient per attempt) by status, TLS and policy mode.
  std::map<delivery::AttemptKey, std::uint64_t> attempts;
  // MTA-STS policy fetches started, and those that failed.
  std::uint64_t policy_fetches = 0;
  std::uint64_t policy_fetch_failures = 0;
  // Durations of DNS queries sent to the network, in seconds.
  Histogram dns_latency;
  // How long each stage of the relay's work took (accept_store, plan, connect, transaction,
  // record, job), by stage name.
  std::vector<std::pair<std::string, Histogram>> stages;
  // TLS-RPT sessions recorded and the recorder's write failures.
  std::uint64_t tlsrpt_sessions = 0;
  std::uint64_t tlsrpt_write_errors = 0;
  // DKIM signatures added to accepted mail by signing domain, and keys that failed to sign.
  std::map<std::string, std::uint64_t> dkim_signatures;
  std::uint64_t dkim_failures = 0;
  // A fleet node ([cluster] database): its TLS-RPT batches through the local spool. Rendered
  // only when `cluster` is set.
  bool cluster = false;
  std::uint64_t cluster_batches_spooled = 0;
  std::uint64_t cluster_batches_flushed = 0;
  std::uint64_t cluster_batches_duplicate = 0;
  std::uint64_t cluster_flush_failures = 0;
  std::int64_t cluster_spool_pending = 0;
  // Whether the resolvers validate DNSSEC; absent while DANE is off or the probe could not tell.
  std::optional<bool> dnssec_validating;
};

std::string render_metrics(const MetricsSnapshot& s);

struct HealthCheck {
  std::string name;
  bool ok = false;
  std::string detail;  // why it fails; for an informational line, what it says
  // ok but degraded: the node works on (the shared database is down and counts are spooled);
  // says "degraded: <detail>" and keeps the node healthy.
  bool degraded = false;
  // A line that informs and never fails the report: "<name> <detail>" ("dnssec validating").
  bool informational = false;
};

struct HealthReport {
  bool healthy = false;
  std::string body;
};

// Healthy when there is at least one check that is not informational and every check passes.
HealthReport render_health(const std::vector<HealthCheck>& checks);

// The daemon's /healthz answer as one line: "healthy: smtp ok; queue ok; delivery ok",
// "unhealthy: queue failing: disk I/O error; ...", or "unhealthy: HTTP 404 from /healthz".
std::string summarize_health(int http_status, std::string_view body);

// A Prometheus label value, escaped.
std::string escape_label(std::string_view value);

}  // namespace stsrelay::app
