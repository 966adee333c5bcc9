#include "src/app/metrics/metrics_sources.hpp"

#include <memory>
#include <mutex>

#include "queue/store.hpp"
#include "smtp/server.hpp"
#include "src/delivery/delivery_agent.hpp"
#include "src/net/dns_cares_resolver.hpp"
#include "sts/policy_resolver.hpp"
#include "tlsrpt/recorder.hpp"
#include "src/app/daemon/cluster_services.hpp"
#include "src/app/daemon/dnssec_monitor.hpp"
#include "src/app/daemon/queue_sink.hpp"

namespace stsrelay::app {
namespace {

// One SQLite connection: one read at a time (the server calls from one worker thread; the lock
// keeps that safe whoever calls).
struct QueueCounts {
  std::unique_ptr<queue::Reader> reader;
  std::mutex mutex;

  core::Result<std::vector<std::pair<queue::RecipientState, std::int64_t>>> read() {
    std::lock_guard lock(mutex);
    return reader->count_by_state();
  }
};

Histogram histogram_of(const core::DurationHistogram::Snapshot& d) {
  Histogram h;
  h.bounds = d.bounds;
  h.cumulative = d.cumulative;
  h.count = d.count;
  h.sum = d.sum_seconds;
  return h;
}

Histogram dns_histogram(const net::CaresResolver::Latency& l) {
  Histogram h;
  h.bounds.assign(net::CaresResolver::kLatencyBounds.begin(),
                  net::CaresResolver::kLatencyBounds.end());
  h.cumulative.assign(l.buckets.begin(), l.buckets.end());
  h.count = l.count;
  h.sum = l.sum_seconds;
  return h;
}

}  // namespace

core::Result<MetricsSources> make_metrics_sources(const std::filesystem::path& queue_db,
                                                  MetricsParts parts) {
  auto reader = queue::Reader::open(queue_db);
  if (!reader) return reader.error();
  auto queue = std::make_shared<QueueCounts>();
  queue->reader = std::move(*reader);

  MetricsSources m;
  m.snapshot = [parts, queue] {
    MetricsSnapshot s;
    const smtp::ServerCounters c = parts.server->counters();
    s.active_connections = c.active_connections;
    s.connections_total = c.connections_total;
    s.connections_refused = c.connections_refused;
    s.messages_accepted = c.messages_accepted;
    s.messages_rejected = c.messages_rejected;
    // A failed read leaves the gauge without samples; /healthz says why.
    if (auto counts = queue->read()) {
      for (const auto& [state, n] : *counts) {
        s.recipients_by_state[std::string(queue::to_string(state))] = n;
      }
    }
    s.attempts = parts.agent->attempt_counts();
    s.policy_fetches = parts.policies->fetches_started();
    s.policy_fetch_failures = parts.policies->fetches_failed();
    s.dns_latency = dns_histogram(parts.dns->latency());
    s.stages.emplace_back("accept_store", histogram_of(c.store_wait));
    for (const auto& [stage, snapshot] : parts.agent->stage_times()) {
      s.stages.emplace_back(stage, histogram_of(snapshot));
    }
    if (parts.recorder != nullptr) {
      const tlsrpt::RecorderStats r = parts.recorder->stats();
      s.tlsrpt_sessions = r.recorded;
      s.tlsrpt_write_errors = r.write_errors;
    }
    if (parts.cluster != nullptr) {
      const tlsrpt::ClusterWriterStats c = parts.cluster->counter_stats();
      s.cluster = true;
      s.cluster_batches_spooled = c.spooled;
      s.cluster_batches_flushed = c.flushed;
      s.cluster_batches_duplicate = c.duplicates;
      s.cluster_flush_failures = c.flush_failures;
      s.cluster_spool_pending = c.pending;
    }
    if (parts.sink != nullptr) {
      const SigningCounts d = parts.sink->signing_counts();
      s.dkim_signatures = d.signatures;
      s.dkim_failures = d.failures;
    }
    if (parts.dnssec != nullptr) {
      if (const auto last = parts.dnssec->last();
          last && last->state != net::Validation::unknown) {
        s.dnssec_validating = last->state == net::Validation::validating;
      }
    }
    return s;
  };
  m.check_queue = [queue] {
    auto counts = queue->read();
    if (!counts) return HealthCheck{"queue", false, counts.error().message};
    return HealthCheck{"queue", true, ""};
  };
  if (parts.cluster != nullptr) {
    m.check_database = [parts] {
      const tlsrpt::ClusterWriterStats c = parts.cluster->counter_stats();
      if (!c.degraded) return HealthCheck{"database", true, ""};
      return HealthCheck{"database", true,
                         "the shared database does not answer; " + std::to_string(c.pending) +
                             " TLS-RPT batches wait in the local spool",
                         true};
    };
  }
  m.smtp_endpoints = [parts] { return parts.server->local_endpoints(); };
  if (parts.dnssec != nullptr) {
    // Information, not health: resolvers that do not validate cost DANE, not delivery.
    m.check_dnssec = [parts] {
      HealthCheck line{"dnssec", true,
                       dnssec_health_detail(parts.dnssec->enabled(), parts.dnssec->last())};
      line.informational = true;
      return line;
    };
  }
  m.check_delivery = [parts](std::function<void(bool)> done) {
    parts.agent->async_check(std::move(done));
  };
  return m;
}

}  // namespace stsrelay::app
