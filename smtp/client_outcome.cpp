#include "smtp/client_outcome.hpp"

#include "src/core/enum_names.hpp"

namespace stsrelay::smtp {
namespace {

constexpr core::EnumNameList<ClientPhase::local> kPhaseNames{{
    "connect", "greeting", "ehlo", "starttls", "tls", "auth", "rset", "mail", "rcpt", "data",
    "message", "quit", "local",
}, "unknown"};

}  // namespace

std::string_view to_string(ClientPhase phase) { return kPhaseNames.name(phase); }

std::string StepFailure::describe() const {
  std::string out(to_string(phase));
  out += ": ";
  if (reply) {
    out += summary(*reply);
    if (!reason.empty()) out += " (" + reason + ")";
  } else {
    out += reason;
  }
  return out;
}

}  // namespace stsrelay::smtp
