// STARTTLS (RFC 3207) and AUTH PLAIN/LOGIN (RFC 4954, RFC 4616) of ServerProtocol.
#include "smtp/command.hpp"
#include "smtp/sasl.hpp"
#include "smtp/server_protocol.hpp"
#include "src/core/ascii.hpp"
#include "src/core/base64.hpp"

namespace stsrelay::smtp {
namespace {

Step one(int code, std::string_view enhanced, std::string_view text, Action a = Action::none) {
  return Step{{make_reply(code, enhanced, text)}, a};
}

// The LOGIN mechanism's customary prompts, base64 of "Username:" and "Password:".
constexpr std::string_view kLoginUserPrompt = "VXNlcm5hbWU6";
constexpr std::string_view kLoginPasswordPrompt = "UGFzc3dvcmQ6";

}  // namespace

Step ServerProtocol::on_starttls(std::string_view arg) {
  if (!ctx_.tls_available) return one(502, "5.5.1", "STARTTLS not available");
  if (tls_) return one(503, "5.5.1", "TLS already active");
  if (!arg.empty()) return one(501, "5.5.4", "Syntax: STARTTLS");
  if (in_mail_) return one(503, "5.5.1", "MAIL transaction in progress");
  stage_ = Stage::starttls;
  return one(220, "2.0.0", "Ready to start TLS", Action::start_tls);
}

Step ServerProtocol::on_tls_started(std::string tls_summary) {
  if (stage_ != Stage::starttls) return {};
  // RFC 3207 §4.2: discard all knowledge obtained from the client; EHLO must come again.
  // (The shell has already dropped every byte received before the handshake.)
  stage_ = Stage::command;
  tls_ = true;
  tls_summary_ = std::move(tls_summary);
  helo_done_ = false;
  esmtp_ = false;
  helo_.clear();
  auth_user_.clear();
  reset_transaction();
  return {};
}

Step ServerProtocol::on_auth(std::string_view arg) {
  if (!ctx_.auth_available) return one(503, "5.5.1", "Authentication not enabled");
  // RFC 4954 §4 and RFC 5248 (538 5.7.11): mechanisms that send passwords need TLS here.
  if (!tls_) return one(538, "5.7.11", "Encryption required for requested authentication mechanism");
  if (!esmtp_) return one(503, "5.5.1", "Send EHLO first");
  if (!auth_user_.empty()) return one(503, "5.5.1", "Already authenticated");
  if (in_mail_) return one(503, "5.5.1", "MAIL transaction in progress");
  std::size_t sp = arg.find(' ');
  std::string_view mech = arg.substr(0, sp);
  std::string_view initial;
  bool has_initial = false;
  if (sp != std::string_view::npos) {
    initial = arg.substr(sp + 1);
    has_initial = true;
    if (initial.empty() || initial.find(' ') != std::string_view::npos) {
      return one(501, "5.5.4", "Syntax: AUTH mechanism [initial-response]");
    }
  }
  if (mech.empty()) return one(501, "5.5.4", "Syntax: AUTH mechanism [initial-response]");
  if (core::iequals(mech, "PLAIN")) {
    stage_ = Stage::auth_plain;
    if (!has_initial) return one(334, "", "");
    return on_auth_response(Line{std::string(initial), initial.size() + 2, false, false});
  }
  if (core::iequals(mech, "LOGIN")) {
    stage_ = Stage::auth_login_user;
    if (!has_initial) return one(334, "", kLoginUserPrompt);
    return on_auth_response(Line{std::string(initial), initial.size() + 2, false, false});
  }
  return one(504, "5.5.4", "Unrecognized authentication mechanism");
}

Step ServerProtocol::on_auth_response(const Line& line) {
  const Stage stage = stage_;
  stage_ = Stage::command;
  if (line.too_long) return auth_failed(make_reply(500, "5.5.6", "Authentication exchange line too long"));
  // RFC 4954 §4: "*" cancels the exchange, answered with 501.
  if (line.text == "*") return one(501, "5.0.0", "Authentication cancelled");
  // RFC 4954 §4: a single "=" is an empty initial response.
  std::optional<std::string> decoded =
      line.text == "=" ? std::optional<std::string>(std::string()) : core::decode_base64(line.text);
  if (!decoded) return auth_failed(make_reply(501, "5.5.2", "Invalid base64 data"));
  switch (stage) {
    case Stage::auth_plain: {
      auto creds = parse_sasl_plain(*decoded);
      if (!creds) return auth_failed(make_reply(501, "5.5.2", "Invalid PLAIN message"));
      // RFC 4616 §2: acting as another identity is not supported; only oneself may be named.
      if (!creds->authzid.empty() && creds->authzid != creds->authcid) {
        return auth_failed(make_reply(535, "5.7.8", "Authentication credentials invalid"));
      }
      return start_verification(std::move(creds->authcid), std::move(creds->password));
    }
    case Stage::auth_login_user:
      pending_auth_.user = std::move(*decoded);
      stage_ = Stage::auth_login_pass;
      return one(334, "", kLoginPasswordPrompt);
    case Stage::auth_login_pass:
      return start_verification(std::move(pending_auth_.user), std::move(*decoded));
    default:
      return {};
  }
}

Step ServerProtocol::start_verification(std::string user, std::string password) {
  pending_auth_.user = std::move(user);
  pending_auth_.password = std::move(password);
  stage_ = Stage::auth_verifying;
  return Step{{}, Action::verify_auth};
}

Step ServerProtocol::on_auth_verified(bool ok) {
  if (stage_ != Stage::auth_verifying) return {};
  stage_ = Stage::command;
  std::string user = std::move(pending_auth_.user);
  pending_auth_ = AuthAttempt{};
  if (ok) {
    auth_user_ = std::move(user);
    return one(235, "2.7.0", "Authentication successful");
  }
  return auth_failed(make_reply(535, "5.7.8", "Authentication credentials invalid"));
}

Step ServerProtocol::auth_failed(Reply reply) {
  pending_auth_ = AuthAttempt{};
  Step step{{std::move(reply)}, Action::none};
  if (++auth_failures_ >= ctx_.max_auth_failures) {
    step.replies.push_back(
        make_reply(421, "4.7.0", ctx_.hostname + " Error: too many authentication failures"));
    step.action = Action::close;
    stage_ = Stage::closed;
  }
  return step;
}

}  // namespace stsrelay::smtp
