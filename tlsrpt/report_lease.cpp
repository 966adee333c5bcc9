#include "tlsrpt/report_lease.hpp"

namespace stsrelay::tlsrpt {

std::string_view to_string(LeaseState state) {
  switch (state) {
    case LeaseState::building: return "building";
    case LeaseState::built: return "built";
    case LeaseState::sent: return "sent";
  }
  return "building";
}

std::optional<LeaseState> parse_lease_state(std::string_view token) {
  if (token == "building") return LeaseState::building;
  if (token == "built") return LeaseState::built;
  if (token == "sent") return LeaseState::sent;
  return std::nullopt;
}

std::string_view to_string(LeaseAction action) {
  switch (action) {
    case LeaseAction::take: return "take";
    case LeaseAction::renew: return "renew";
    case LeaseAction::take_over: return "take_over";
    case LeaseAction::wait: return "wait";
    case LeaseAction::done: return "done";
  }
  return "wait";
}

LeaseAction decide_lease(const std::optional<ReportLease>& current, std::string_view node,
                         core::SysTime now) {
  if (!current) return LeaseAction::take;
  // Sent is final, whoever sent it and however old the lease: one report per day and domain.
  if (current->state == LeaseState::sent) return LeaseAction::done;
  if (current->node == node) return LeaseAction::renew;
  // The holder's term ends at `until` exactly; from then on it is a dead or hung node's lease.
  if (now < current->until) return LeaseAction::wait;
  return LeaseAction::take_over;
}

std::optional<ReportLease> apply_lease(const std::optional<ReportLease>& current,
                                       LeaseAction action, std::string_view node,
                                       core::SysTime now, core::SysTime::duration term) {
  switch (action) {
    case LeaseAction::take:
    case LeaseAction::take_over:
      // A report taken over is built again from the shared counts: the other node's copy is in
      // its own report store, out of reach.
      return ReportLease{std::string(node), now + term, LeaseState::building};
    case LeaseAction::renew:
      return ReportLease{std::string(node), now + term, current->state};
    case LeaseAction::wait:
    case LeaseAction::done:
      return current;
  }
  return current;
}

}  // namespace stsrelay::tlsrpt
