// Who builds and sends the TLS-RPT report of (day, policy domain) in a fleet: a lease row in the
// shared database (node, lease_until, state), decided here without I/O so that the rules are one
// table of cases (tests/unit/tlsrpt/report_lease_test.cpp) on a fake clock.
//
//   no lease            take it: this node builds the report
//   state sent          done: the organisation's report went out; nobody builds it again
//   held by this node   renew: this node's own run again (a restart, a retry, the next send)
//   held by another     wait until lease_until; after it, take over: that node died or hangs
//                       while building or sending, and this node builds and sends it instead
//
// `now` is the database's clock, the same for every node, so that skew between the nodes'
// clocks cannot make two nodes hold one lease. RFC 8460 §4 wants one report per policy domain
// and day from one organisation; the lease makes it one in the ordinary case and at most one
// more after a node that dies with its POST half-sent (the receiver saw it, the node never did).
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "src/core/clock.hpp"
#include "src/core/result.hpp"
#include "tlsrpt/report_day.hpp"

namespace stsrelay::tlsrpt {

enum class LeaseState { building, built, sent };
std::string_view to_string(LeaseState state);
std::optional<LeaseState> parse_lease_state(std::string_view token);

struct ReportLease {
  std::string node;
  core::SysTime until{};
  LeaseState state = LeaseState::building;
};

enum class LeaseAction {
  take,       // no lease: take it, state building
  renew,      // ours: extend it, keep its state
  take_over,  // another node's, expired and not sent: make it ours, state building
  wait,       // another node's and still running: leave it
  done,       // sent: nothing to do
};
std::string_view to_string(LeaseAction action);

// What `node` does about the lease `current` (nullopt: none yet) at `now`.
LeaseAction decide_lease(const std::optional<ReportLease>& current, std::string_view node,
                         core::SysTime now);

// Whether the action leaves `node` holding the lease (and so building or sending the report).
inline bool holds(LeaseAction action) {
  return action == LeaseAction::take || action == LeaseAction::renew ||
         action == LeaseAction::take_over;
}

// The lease after `action` with a term of `term` from `now`; `current` unchanged for wait/done.
std::optional<ReportLease> apply_lease(const std::optional<ReportLease>& current,
                                       LeaseAction action, std::string_view node,
                                       core::SysTime now, core::SysTime::duration term);

}  // namespace stsrelay::tlsrpt

namespace stsrelay::tlsrpt {

// The leases of a fleet's reports (PgReportLeases: the shared database). A report run asks
// before building and before each send; errors are temporary (the database is away) and the
// run tries again later.
class ReportLeases {
 public:
  virtual ~ReportLeases() = default;
  struct Grant {
    LeaseAction action = LeaseAction::wait;
    ReportLease lease;  // after the action: ours when holds(action), else the holder's
  };
  // Decides and applies, atomically across the fleet: take, renew or take over, or not.
  virtual core::Result<Grant> take(Day day, std::string_view domain) = 0;
  // Sets the state of this node's lease and renews its term; false when the lease is no longer
  // this node's (another took it over) or already sent.
  virtual core::Result<bool> mark(Day day, std::string_view domain, LeaseState state) = 0;
  // Keeps this node's lease at least until `retry_at` and a term after it: a delivery that
  // failed waits for its retry (RFC 8460 §5.5) without another node taking the report over in
  // the meantime. `retry_at` is on this node's clock; skew between nodes only shifts the end.
  // False when the lease is no longer this node's.
  virtual core::Result<bool> hold_until(Day day, std::string_view domain,
                                        core::SysTime retry_at) = 0;
};

}  // namespace stsrelay::tlsrpt
