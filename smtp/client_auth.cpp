#include "smtp/client_auth.hpp"

#include <algorithm>

#include "src/core/ascii.hpp"
#include "src/core/base64.hpp"
#include "src/core/enum_names.hpp"

namespace stsrelay::smtp {
namespace {

constexpr core::EnumNameList<AuthMechanism::login> kMechanismNames{{"PLAIN", "LOGIN"}, "unknown"};

bool offers(const std::vector<std::string>& offered, AuthMechanism mechanism) {
  return std::find(offered.begin(), offered.end(), to_string(mechanism)) != offered.end();
}

AuthStep send_line(std::string line) { return {AuthStep::Kind::send, std::move(line), {}}; }
AuthStep fail(std::string reason) { return {AuthStep::Kind::failure, {}, std::move(reason)}; }

}  // namespace

std::string_view to_string(AuthMechanism mechanism) { return kMechanismNames.name(mechanism); }

std::optional<AuthMechanism> choose_auth_mechanism(const std::vector<std::string>& offered) {
  // PLAIN needs one round trip and is the mechanism RFC 4954 §4 uses in its examples; LOGIN
  // only for servers that offer nothing better.
  if (offers(offered, AuthMechanism::plain)) return AuthMechanism::plain;
  if (offers(offered, AuthMechanism::login)) return AuthMechanism::login;
  return std::nullopt;
}

std::optional<std::string> check_credentials(const ClientCredentials& credentials) {
  const std::string_view nul("\0", 1);
  if (credentials.user.find(nul) != std::string::npos) return "the user name contains NUL";
  if (credentials.password.find(nul) != std::string::npos) return "the password contains NUL";
  return std::nullopt;
}

std::optional<LoginPrompt> parse_login_challenge(std::string_view base64_text) {
  std::optional<std::string> text = core::decode_base64(core::trim_wsp(base64_text));
  if (!text) return std::nullopt;
  const std::string_view prompt = core::trim_wsp(*text);
  if (core::istarts_with(prompt, "user") || core::istarts_with(prompt, "login")) {
    return LoginPrompt::user;
  }
  if (core::istarts_with(prompt, "pass")) return LoginPrompt::password;
  return LoginPrompt::unknown;
}

AuthExchange::AuthExchange(AuthMechanism mechanism, ClientCredentials credentials)
    : mechanism_(mechanism), credentials_(std::move(credentials)) {}

std::string AuthExchange::start() {
  if (mechanism_ == AuthMechanism::login) return "AUTH LOGIN\r\n";
  // RFC 4616 §2: message = [authzid] NUL authcid NUL passwd; no authzid (act as the user).
  std::string message;
  message.reserve(credentials_.user.size() + credentials_.password.size() + 2);
  message += '\0';
  message += credentials_.user;
  message += '\0';
  message += credentials_.password;
  // RFC 4954 §4: the initial response on the AUTH line; "=" would stand for an empty one, which
  // this message never is.
  return "AUTH PLAIN " + core::encode_base64(message) + "\r\n";
}

AuthStep AuthExchange::on_reply(const Reply& reply) {
  const std::string mechanism(to_string(mechanism_));
  if (reply.code == 235) return {AuthStep::Kind::success, {}, {}};
  if (reply.code == 334) {
    // PLAIN sent everything with its initial response: a challenge makes no sense.
    if (mechanism_ == AuthMechanism::plain) {
      return fail("AUTH PLAIN: unexpected challenge after the initial response");
    }
    return answer_login_challenge(reply);
  }
  // RFC 4954 §6: 235 is the only success reply; anything else (535 5.7.8, 454 4.7.0, 534 5.7.9,
  // a 2xx other than 235) says the client is not authenticated.
  return fail("AUTH " + mechanism + " refused");
}

AuthStep AuthExchange::answer_login_challenge(const Reply& reply) {
  const std::string_view text = reply.lines.empty() ? std::string_view() : reply.lines.front();
  std::optional<LoginPrompt> prompt = parse_login_challenge(text);
  if (!prompt) return fail("AUTH LOGIN: the challenge is not base64");
  if (*prompt == LoginPrompt::unknown) {
    // No recognisable prompt: answer in the order every server asks, user name first.
    prompt = sent_user_ ? LoginPrompt::password : LoginPrompt::user;
  }
  if (*prompt == LoginPrompt::user) {
    if (sent_user_) return fail("AUTH LOGIN: the server asked for the user name twice");
    sent_user_ = true;
    return send_line(core::encode_base64(credentials_.user) + "\r\n");
  }
  if (sent_password_) return fail("AUTH LOGIN: the server asked for the password twice");
  sent_password_ = true;
  return send_line(core::encode_base64(credentials_.password) + "\r\n");
}

}  // namespace stsrelay::smtp
