// The client's side of SMTP AUTH (RFC 4954) at a configured next hop, without I/O: which SASL
// mechanism to use, the command lines to send, and what each reply means. Two mechanisms, the
// ones every submission server offers:
//   - PLAIN (RFC 4616 §2), with the initial response on the AUTH line (RFC 4954 §4), so one
//     round trip: "AUTH PLAIN base64(NUL user NUL password)".
//   - LOGIN (draft-murchison-sasl-login, never an RFC but universally deployed): "AUTH LOGIN",
//     then the base64 user name and password, each in answer to a 334 challenge.
// PLAIN is chosen when offered, else LOGIN; other mechanisms (CRAM-MD5, SCRAM, XOAUTH2) are not
// supported. The client session calls this only over TLS (RFC 4954 §4, §14: these mechanisms
// send the password in the clear), and nothing here or there logs a command line it builds:
// they carry the password.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "smtp/reply.hpp"

namespace stsrelay::smtp {

// The user name and password for AUTH at the next hop ([[route]] auth_file).
struct ClientCredentials {
  std::string user;
  std::string password;
};

enum class AuthMechanism { plain, login };
std::string_view to_string(AuthMechanism mechanism);  // "PLAIN", "LOGIN"

// `offered`: the EHLO reply's AUTH mechanisms, upper case (Capabilities::auth). PLAIN when
// offered, else LOGIN, else nothing.
std::optional<AuthMechanism> choose_auth_mechanism(const std::vector<std::string>& offered);

// Why these credentials cannot be sent, or nothing: a NUL in the user name or password (RFC 4616
// §2 separates the fields with NUL, so it would change their meaning).
std::optional<std::string> check_credentials(const ClientCredentials& credentials);

// What the client does after a reply to an AUTH step.
struct AuthStep {
  enum class Kind {
    send,     // write `line` (it holds a secret: never log it) and read the next reply
    success,  // authenticated
    failure,  // not authenticated: `reason` says why; the reply itself decides permanence
  };
  Kind kind = Kind::failure;
  std::string line;    // for send: the command line with CRLF
  std::string reason;  // for failure: what went wrong, with context; never the credentials
};

// One AUTH exchange: start() gives the AUTH command, then each reply goes to on_reply() until
// it says success or failure.
class AuthExchange {
 public:
  AuthExchange(AuthMechanism mechanism, ClientCredentials credentials);

  // The AUTH command line: "AUTH PLAIN <initial response>\r\n" or "AUTH LOGIN\r\n".
  std::string start();

  // RFC 4954 §4: 235 ends it successfully; 334 is a challenge (LOGIN: for the user name, then
  // the password); any other reply ends it unsuccessfully (535 5.7.8 bad credentials, 454 4.7.0
  // temporary failure, 534 5.7.9 mechanism too weak, ...).
  AuthStep on_reply(const Reply& reply);

  AuthMechanism mechanism() const { return mechanism_; }

 private:
  AuthStep answer_login_challenge(const Reply& reply);

  AuthMechanism mechanism_;
  ClientCredentials credentials_;
  bool sent_user_ = false;
  bool sent_password_ = false;
};

// draft-murchison-sasl-login §2: what a LOGIN challenge (the base64 text of a 334 reply) asks
// for. Servers send "Username:" / "Password:" (some "User Name", "Password"); the answer is
// chosen by the prompt's text when it names one, else by order (user first). nullopt when the
// text is not base64.
enum class LoginPrompt { user, password, unknown };
std::optional<LoginPrompt> parse_login_challenge(std::string_view base64_text);

}  // namespace stsrelay::smtp
