// SMTP AUTH (RFC 4954) on an opening client session, after the TLS verdict and before any
// transaction: the I/O around the pure exchange of client_auth.hpp. The credentials go out only
// over TLS (RFC 4954 §4: PLAIN and LOGIN carry the password in the clear; §14), and no line
// written here is logged or copied into an outcome.
//
// Failures are at ClientPhase::auth. With the server's reply (535 5.7.8, 454 4.7.0, ...), the
// reply decides: 5xx permanent, 4xx temporary (StepFailure::permanent). Without one (no TLS, no
// mechanism in common, an I/O failure) they are temporary: a change at the next hop or in our
// configuration may mend them before the queue lifetime ends.
#include <string>

#include "smtp/client_auth.hpp"
#include "smtp/client_session_impl.hpp"

namespace stsrelay::smtp {

namespace asio = boost::asio;

namespace {

std::string offered_list(const Capabilities& caps) {
  if (caps.auth.empty()) return "no AUTH at all";
  std::string out;
  for (const std::string& m : caps.auth) out += (out.empty() ? "" : " ") + m;
  return out;
}

}  // namespace

asio::awaitable<bool> ClientSession::Impl::authenticate(OpenOutcome& out) {
  const ClientCredentials& credentials = *options_.auth;
  std::optional<std::string> refusal;
  const std::optional<AuthMechanism> mechanism = choose_auth_mechanism(caps_.auth);
  if (!tls_active_) {
    refusal = "AUTH refused: the session is not encrypted";
  } else if (std::optional<std::string> bad = check_credentials(credentials)) {
    refusal = "AUTH refused: " + *bad;
  } else if (!mechanism) {
    refusal = "AUTH: the server offers neither PLAIN nor LOGIN (it offers " +
              offered_list(caps_) + ")";
  }
  if (refusal) {
    out.failure = StepFailure{ClientPhase::auth, std::nullopt, std::move(*refusal), false};
    co_await quit_quietly();
    co_return false;
  }
  AuthExchange exchange(*mechanism, credentials);
  std::string line = exchange.start();
  for (;;) {
    ReplyOrFailure r = co_await command(line, options_.timeouts.auth);
    line.assign(line.size(), '\0');  // the secret does not linger in freed memory
    if (!r.ok()) {
      out.failure = r.failure(ClientPhase::auth);
      close();
      co_return false;
    }
    AuthStep step = exchange.on_reply(*r.reply);
    switch (step.kind) {
      case AuthStep::Kind::success:
        out.auth_mechanism = std::string(to_string(*mechanism));
        co_return true;
      case AuthStep::Kind::send:
        line = std::move(step.line);
        continue;
      case AuthStep::Kind::failure:
        out.failure = StepFailure{ClientPhase::auth, r.reply, std::move(step.reason), false};
        if (r.code() == 334) {
          // The server waits for an answer to its challenge: QUIT would be read as one.
          close();
        } else {
          co_await quit_quietly();
        }
        co_return false;
    }
  }
}

}  // namespace stsrelay::smtp
