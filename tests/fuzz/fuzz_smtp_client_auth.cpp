// Fuzz target: the client's AUTH exchange (client_auth.hpp) against whatever replies a hostile
// next hop sends, parsed as the session parses them (reply_parser.hpp). The first input octet
// picks the mechanism, the rest are the server's bytes. Invariants: no crash; PLAIN sends
// nothing after its AUTH line; LOGIN sends at most the user name and the password, each once,
// as base64 of exactly that; the exchange ends at the first reply that is neither 334 nor the
// end; a failure's reason never holds the password or its base64.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>
#include <variant>

#include "smtp/client_auth.hpp"
#include "smtp/reply_parser.hpp"
#include "src/core/base64.hpp"

using stsrelay::smtp::AuthExchange;
using stsrelay::smtp::AuthMechanism;
using stsrelay::smtp::AuthStep;
using stsrelay::smtp::Reply;
using stsrelay::smtp::ReplyLimits;
using stsrelay::smtp::ReplyParser;
using stsrelay::smtp::ReplyStep;

namespace {

constexpr ReplyLimits kLimits{512, 8};
const std::string kUser = "user@example.com";
const std::string kPassword = "pa55-w0rd";

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  const AuthMechanism mechanism = (data[0] & 1) ? AuthMechanism::login : AuthMechanism::plain;
  std::string_view in(reinterpret_cast<const char*>(data + 1), size - 1);
  const std::string user_line = stsrelay::core::encode_base64(kUser) + "\r\n";
  const std::string password_line = stsrelay::core::encode_base64(kPassword) + "\r\n";

  AuthExchange exchange(mechanism, {kUser, kPassword});
  const std::string first = exchange.start();
  if (first.rfind("AUTH ", 0) != 0 || first.size() < 7 ||
      first.substr(first.size() - 2) != "\r\n") {
    std::abort();
  }
  ReplyParser parser(kLimits);
  int sent_user = 0;
  int sent_password = 0;
  while (true) {
    ReplyStep step = parser.feed(in);
    const Reply* reply = std::get_if<Reply>(&step);
    if (!reply) break;  // need more, or a protocol error: the session closes
    const AuthStep next = exchange.on_reply(*reply);
    if (next.kind == AuthStep::Kind::send) {
      if (mechanism == AuthMechanism::plain || reply->code != 334) std::abort();
      if (next.line == user_line) {
        ++sent_user;
      } else if (next.line == password_line) {
        ++sent_password;
      } else {
        std::abort();
      }
      if (sent_user > 1 || sent_password > 1) std::abort();
      continue;
    }
    if (next.kind == AuthStep::Kind::success && reply->code != 235) std::abort();
    if (next.kind == AuthStep::Kind::failure) {
      if (next.reason.empty()) std::abort();
      if (next.reason.find(kPassword) != std::string::npos) std::abort();
      if (next.reason.find(stsrelay::core::encode_base64(kPassword)) != std::string::npos) {
        std::abort();
      }
    }
    break;
  }
  return 0;
}
