#include "smtp/client_outcome.hpp"

namespace stsrelay::smtp {

std::string_view to_string(ClientPhase phase) {
  switch (phase) {
    case ClientPhase::connect: return "connect";
    case ClientPhase::greeting: return "greeting";
    case ClientPhase::ehlo: return "ehlo";
    case ClientPhase::starttls: return "starttls";
    case ClientPhase::tls: return "tls";
    case ClientPhase::rset: return "rset";
    case ClientPhase::mail: return "mail";
    case ClientPhase::rcpt: return "rcpt";
    case ClientPhase::data: return "data";
    case ClientPhase::message: return "message";
    case ClientPhase::quit: return "quit";
    case ClientPhase::local: return "local";
  }
  return "unknown";
}

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
