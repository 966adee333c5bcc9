// The metrics endpoint's texts, from a snapshot of the daemon's counters. Pure.
//
// /metrics: Prometheus text exposition format 0.0.4 — HELP and TYPE lines, then samples;
// label values escaped (backslash, double quote, newline).
// /healthz: one line per check ("smtp ok", "queue ok", "delivery ok", or "... failing: why"),
// and whether all of them pass (HTTP 200) or not (503).
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "src/delivery/delivery_counters.hpp"

namespace stsrelay::app {

struct MetricsSnapshot {
  // SMTP ingress.
  std::uint64_t active_connections = 0;
  std::uint64_t connections_total = 0;
  std::uint64_t connections_refused = 0;
  std::uint64_t messages_accepted = 0;
  std::uint64_t messages_rejected = 0;
  // Recipients in the queue by state ("queued", "deferred", ...); absent when the read failed.
  std::map<std::string, std::int64_t> recipients_by_state;
  // Delivery attempts by status, TLS and policy mode.
  std::map<delivery::AttemptKey, std::uint64_t> attempts;
  // MTA-STS policy fetches started.
  std::uint64_t policy_fetches = 0;
  // TLS-RPT sessions recorded and the recorder's write failures.
  std::uint64_t tlsrpt_sessions = 0;
  std::uint64_t tlsrpt_write_errors = 0;
};

std::string render_metrics(const MetricsSnapshot& s);

struct HealthCheck {
  std::string name;
  bool ok = false;
  std::string detail;  // why it fails
};

struct HealthReport {
  bool healthy = false;
  std::string body;
};

HealthReport render_health(const std::vector<HealthCheck>& checks);

// A Prometheus label value, escaped.
std::string escape_label(const std::string& value);

}  // namespace stsrelay::app
