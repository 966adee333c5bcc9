// The server side of an SMTP session as a pure state machine (no sockets, no clock): lines and
// events in, replies and one action out. The Asio shell (server_session.cpp) performs the
// actions (TLS handshake, reading DATA, verifying a password, storing) and reports back.
//
// Implements: RFC 5321 §4.1 commands and §4.3.2 sequencing (503 5.5.1 out of order, 500 5.5.2
// unknown, 501 5.5.4 bad syntax), RFC 1870 SIZE, RFC 6152 8BITMIME, RFC 2034 enhanced codes,
// RFC 6531 SMTPUTF8, RFC 3461 DSN parameters, RFC 3207 STARTTLS (state reset, EHLO again),
// RFC 8689 REQUIRETLS (offered and accepted only under TLS; the envelope carries the tag),
// RFC 4954 AUTH PLAIN/LOGIN (only under TLS), relay control (554 5.7.1 at RCPT unless the
// client network may relay or the session authenticated) and the error budgets that close a
// misbehaving connection with 421 4.7.0.
// Deliberately not here: CHUNKING/BDAT (not offered, so BDAT is an unknown command), EXPN
// (502, a relay expands no lists), VRFY answers (always 252), local delivery (<Postmaster>
// gets 550 5.1.1: this relay has no mailboxes).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "smtp/data_reader.hpp"
#include "smtp/esmtp_params.hpp"
#include "smtp/line_reader.hpp"
#include "smtp/reply.hpp"
#include "src/core/envelope.hpp"
#include "src/core/result.hpp"

namespace stsrelay::smtp {

struct ProtocolContext {
  std::string hostname = "localhost";
  std::string client_ip;
  bool relay_allowed = false;   // the client address is in relay.allow_networks
  bool tls_available = false;   // certificate and key are loaded
  bool auth_available = false;  // there are AUTH users
  std::uint64_t max_message_size = 36700160;
  std::size_t max_recipients = 1000;
  int max_auth_failures = 3;
  int max_bad_commands = 20;
};

enum class Action {
  none,
  start_tls,      // send the replies, drop buffered input, handshake, then on_tls_started()
  read_data,      // send the replies, read DATA with a DataReader, then on_data()
  verify_auth,    // check pending_auth() off the I/O threads, then on_auth_verified()
  store_message,  // hand envelope() and the message to the sink, then on_stored()
  close,          // send the replies and close the connection
};

struct Step {
  std::vector<Reply> replies;
  Action action = Action::none;
};

struct AuthAttempt {
  std::string user;
  std::string password;
};

class ServerProtocol {
 public:
  explicit ServerProtocol(ProtocolContext ctx);

  Reply greeting() const;  // 220 <hostname> ESMTP stsrelay
  Step on_line(const Line& line);
  Step on_tls_started(std::string tls_summary);  // e.g. "TLSv1.3:TLS_AES_256_GCM_SHA384"
  Step on_auth_verified(bool ok);
  Step on_data(DataError error);
  Step on_stored(const core::Result<std::string>& queue_id);

  // Replies the shell sends on its own before closing.
  Reply timeout_reply() const;   // 421 4.4.2
  Reply shutdown_reply() const;  // 421 4.3.2
  static Reply too_many_connections_reply(std::string_view hostname);  // 421 4.7.0

  const AuthAttempt& pending_auth() const { return pending_auth_; }
  // The envelope of the transaction being stored (valid from on_data() to on_stored()).
  const core::Envelope& envelope() const { return envelope_; }
  // RFC 3848 "with" protocol: SMTP, ESMTP, ESMTPS, ESMTPA, ESMTPSA.
  std::string_view protocol_name() const;
  const std::string& helo() const { return helo_; }
  const std::string& auth_user() const { return auth_user_; }
  const std::string& tls_summary() const { return tls_summary_; }
  bool tls_active() const { return tls_; }
  bool closed() const { return stage_ == Stage::closed; }
  const ProtocolContext& context() const { return ctx_; }

 private:
  enum class Stage {
    command, auth_plain, auth_login_user, auth_login_pass, auth_verifying, starttls, data,
    storing, closed
  };

  Step dispatch(const Line& line);
  Step on_helo(std::string_view arg, bool extended);
  Step on_mail(std::string_view arg);
  Step on_rcpt(std::string_view arg);
  Step on_data_command(std::string_view arg);
  Step on_starttls(std::string_view arg);
  Step on_auth(std::string_view arg);
  Step on_auth_response(const Line& line);
  Step start_verification(std::string user, std::string password);
  Step auth_failed(Reply reply);
  void reset_transaction();

  ProtocolContext ctx_;
  Stage stage_ = Stage::command;
  bool helo_done_ = false;
  bool esmtp_ = false;
  std::string helo_;
  bool tls_ = false;
  std::string tls_summary_;
  std::string auth_user_;
  AuthAttempt pending_auth_;
  int bad_commands_ = 0;
  int auth_failures_ = 0;

  bool in_mail_ = false;
  MailParameters mail_params_;
  std::string sender_;
  std::vector<core::EnvelopeRecipient> recipients_;
  core::Envelope envelope_;
};

}  // namespace stsrelay::smtp
