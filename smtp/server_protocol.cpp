#include "smtp/server_protocol.hpp"

#include <algorithm>

#include "smtp/address.hpp"
#include "smtp/command.hpp"

namespace stsrelay::smtp {
namespace {

Step one(Reply r, Action a = Action::none) { return Step{{std::move(r)}, a}; }
Step one(int code, std::string_view enhanced, std::string_view text, Action a = Action::none) {
  return one(make_reply(code, enhanced, text), a);
}

}  // namespace

ServerProtocol::ServerProtocol(ProtocolContext ctx) : ctx_(std::move(ctx)) {}

Reply ServerProtocol::greeting() const {
  return make_reply(220, "", ctx_.hostname + " ESMTP stsrelay");
}

Reply ServerProtocol::timeout_reply() const {
  return make_reply(421, "4.4.2", ctx_.hostname + " Error: timeout exceeded");
}

Reply ServerProtocol::shutdown_reply() const {
  return make_reply(421, "4.3.2", ctx_.hostname + " Service shutting down");
}

Reply ServerProtocol::too_many_connections_reply(std::string_view hostname) {
  return make_reply(421, "4.7.0", std::string(hostname) + " Too many connections");
}

std::string_view ServerProtocol::protocol_name() const {
  // RFC 3848 §1 (and RFC 3207/4954 for the S and A suffixes); HELO sessions are plain SMTP.
  if (!esmtp_) return "SMTP";
  if (tls_ && !auth_user_.empty()) return "ESMTPSA";
  if (tls_) return "ESMTPS";
  if (!auth_user_.empty()) return "ESMTPA";
  return "ESMTP";
}

void ServerProtocol::reset_transaction() {
  in_mail_ = false;
  mail_params_ = MailParameters{};
  sender_.clear();
  recipients_.clear();
}

Step ServerProtocol::on_line(const Line& line) {
  switch (stage_) {
    case Stage::command:
      break;
    case Stage::auth_plain:
    case Stage::auth_login_user:
    case Stage::auth_login_pass:
      return on_auth_response(line);
    default:
      return {};  // the shell does not read lines in the other stages
  }
  Step step = dispatch(line);
  // RFC 5321 §4.3.2 allows 421 at any time; like Postfix's smtpd_hard_error_limit, a client
  // that keeps sending what we refuse is cut off instead of being answered forever.
  for (const Reply& r : step.replies) {
    if (r.code >= 500) ++bad_commands_;
  }
  if (bad_commands_ >= ctx_.max_bad_commands && step.action != Action::close) {
    step.replies.push_back(make_reply(421, "4.7.0", ctx_.hostname + " Error: too many errors"));
    step.action = Action::close;
    stage_ = Stage::closed;
  }
  return step;
}

Step ServerProtocol::dispatch(const Line& line) {
  // RFC 5321 §4.5.3.1.4: 512 octets including CRLF; §4.5.3.1.10: 500 "line too long". The
  // AUTH command with its initial response may be longer (RFC 4954 §4: 12288 octets, which
  // the line reader enforces for every line).
  Command cmd = parse_command(line.text);
  if (line.too_long || (line.octets > kMaxCommandLine && cmd.verb != Verb::auth)) {
    return one(500, "5.5.2", "Line too long");
  }
  // §2.3.8: lines end with CRLF; a bare LF is refused rather than guessed at.
  if (line.bare_lf) return one(500, "5.5.2", "Command line must end with CRLF");
  const std::string_view arg = cmd.argument;
  switch (cmd.verb) {
    case Verb::helo: return on_helo(arg, false);
    case Verb::ehlo: return on_helo(arg, true);
    case Verb::mail: return on_mail(arg);
    case Verb::rcpt: return on_rcpt(arg);
    case Verb::data: return on_data_command(arg);
    case Verb::starttls: return on_starttls(arg);
    case Verb::auth: return on_auth(arg);
    case Verb::rset:
      if (!arg.empty()) return one(501, "5.5.4", "Syntax: RSET");
      reset_transaction();
      return one(250, "2.0.0", "Ok");
    case Verb::noop:
      return one(250, "2.0.0", "Ok");  // §4.1.1.9: a parameter is allowed and ignored
    case Verb::quit:
      stage_ = Stage::closed;
      return one(221, "2.0.0", "Bye", Action::close);
    case Verb::vrfy:
      if (arg.empty()) return one(501, "5.5.4", "Syntax: VRFY address");
      // §3.5.3: 252 when the server will not verify but will accept and attempt delivery.
      return one(252, "2.5.0", "Cannot VRFY user, but will accept message and attempt delivery");
    case Verb::expn:
      return one(502, "5.5.1", "EXPN not supported");
    case Verb::help:
      return one(214, "2.0.0",
                 "Commands: HELO EHLO MAIL RCPT DATA RSET NOOP QUIT VRFY HELP STARTTLS AUTH");
    case Verb::unknown:
      break;
  }
  return one(500, "5.5.2", "Command not recognized");
}

Step ServerProtocol::on_helo(std::string_view arg, bool extended) {
  if (arg.empty()) return one(501, "5.5.4", extended ? "Syntax: EHLO hostname" : "Syntax: HELO hostname");
  // §4.1.4: EHLO/HELO clears the transaction, as RSET does.
  reset_transaction();
  helo_done_ = true;
  esmtp_ = extended;
  helo_ = std::string(arg);
  if (!extended) return one(250, "", ctx_.hostname);
  Reply r{250, "", {ctx_.hostname}};
  r.lines.push_back("PIPELINING");
  r.lines.push_back("SIZE " + std::to_string(ctx_.max_message_size));
  r.lines.push_back("8BITMIME");
  r.lines.push_back("ENHANCEDSTATUSCODES");
  r.lines.push_back("SMTPUTF8");
  r.lines.push_back("DSN");
  // RFC 8689 §2: REQUIRETLS only where the session is already protected by TLS, so a client
  // never tags a message over a connection an attacker could have stripped of STARTTLS.
  if (tls_) r.lines.push_back("REQUIRETLS");
  if (ctx_.tls_available && !tls_) r.lines.push_back("STARTTLS");
  // RFC 4954 §4 leaves the policy to the server: here passwords never cross in the clear.
  if (ctx_.auth_available && tls_) r.lines.push_back("AUTH PLAIN LOGIN");
  return one(std::move(r));
}

Step ServerProtocol::on_mail(std::string_view arg) {
  if (!helo_done_) return one(503, "5.5.1", "Send HELO/EHLO first");
  if (in_mail_) return one(503, "5.5.1", "Nested MAIL command");
  auto split = split_path_argument(arg, "FROM:");
  if (!split) return one(501, "5.5.4", "Syntax: MAIL FROM:<address>");
  MailParameters params;
  MailContext offered;
  offered.requiretls_offered = tls_;  // as advertised in on_helo()
  if (auto err = parse_mail_parameters(split->parameters, params, offered)) {
    return one(std::move(*err));
  }
  PathResult path = parse_path(split->path, PathKind::reverse, params.smtputf8);
  switch (path.status) {
    case PathStatus::ok: break;
    case PathStatus::utf8_not_allowed: return one(553, "5.6.7", path.reason);
    case PathStatus::syntax:
    case PathStatus::too_long: return one(501, "5.1.7", path.reason);
  }
  // RFC 1870 §6.1: refuse at MAIL when the declared size is already too large.
  if (params.size && *params.size > ctx_.max_message_size) {
    return one(552, "5.3.4", "Message size exceeds fixed maximum message size");
  }
  in_mail_ = true;
  mail_params_ = std::move(params);
  sender_ = path.path.mailbox;
  return one(250, "2.1.0", "Ok");
}

Step ServerProtocol::on_rcpt(std::string_view arg) {
  if (!in_mail_) return one(503, "5.5.1", "Need MAIL command");
  auto split = split_path_argument(arg, "TO:");
  if (!split) return one(501, "5.5.4", "Syntax: RCPT TO:<address>");
  RcptParameters params;
  if (auto err = parse_rcpt_parameters(split->parameters, params)) return one(std::move(*err));
  PathResult path = parse_path(split->path, PathKind::forward, mail_params_.smtputf8);
  switch (path.status) {
    case PathStatus::ok: break;
    case PathStatus::utf8_not_allowed: return one(553, "5.6.7", path.reason);
    case PathStatus::syntax:
    case PathStatus::too_long: return one(501, "5.1.3", path.reason);
  }
  if (path.path.postmaster) {
    return one(550, "5.1.1", "<" + path.path.mailbox + ">: this relay has no local mailboxes");
  }
  if (!ctx_.relay_allowed && auth_user_.empty()) {
    return one(554, "5.7.1", "<" + path.path.mailbox + ">: Relay access denied");
  }
  auto same = [&](const core::EnvelopeRecipient& r) { return r.address == path.path.mailbox; };
  if (std::any_of(recipients_.begin(), recipients_.end(), same)) {
    return one(250, "2.1.5", "Ok");  // a duplicate is delivered once
  }
  // RFC 5321 §4.5.3.1.10: 452 for too many recipients, so that the client retries the rest.
  if (recipients_.size() >= ctx_.max_recipients) return one(452, "4.5.3", "Too many recipients");
  recipients_.push_back({path.path.mailbox, params.notify, std::move(params.orcpt)});
  return one(250, "2.1.5", "Ok");
}

Step ServerProtocol::on_data_command(std::string_view arg) {
  if (!in_mail_) return one(503, "5.5.1", "Need MAIL command");
  if (recipients_.empty()) return one(503, "5.5.1", "Need RCPT command");
  if (!arg.empty()) return one(501, "5.5.4", "Syntax: DATA");
  stage_ = Stage::data;
  return one(354, "", "End data with <CR><LF>.<CR><LF>", Action::read_data);
}

Step ServerProtocol::on_data(DataError error) {
  if (stage_ != Stage::data) return {};
  stage_ = Stage::command;
  switch (error) {
    case DataError::none:
      break;
    case DataError::bare_cr_lf:
      // The choice for RFC 5321 §2.3.8 violations (SMTP smuggling): a permanent 554, "transaction
      // failed", with RFC 3463 X.6.0 (other media error): the content, not the envelope or the
      // protocol state, is at fault, and the client must not retry the same bytes. Pinned by
      // ServerProtocol.Scenarios "data errors" and ServerTest.SmugglingAttempt...
      reset_transaction();
      return one(554, "5.6.0", "Message contains bare CR or LF");
    case DataError::too_big:
      reset_transaction();
      return one(552, "5.3.4", "Message size exceeds fixed maximum message size");
  }
  envelope_ = core::Envelope{};
  envelope_.sender = sender_;
  envelope_.recipients = recipients_;
  envelope_.envid = mail_params_.envid;
  envelope_.ret = mail_params_.ret;
  envelope_.body = mail_params_.body;
  envelope_.smtputf8 = mail_params_.smtputf8;
  envelope_.require_tls = mail_params_.requiretls;  // RFC 8689 §4.1: tag the message
  envelope_.client_address = ctx_.client_ip;
  envelope_.client_helo = helo_;
  envelope_.auth_user = auth_user_;
  envelope_.tls = tls_summary_;
  reset_transaction();
  stage_ = Stage::storing;
  return Step{{}, Action::store_message};
}

Step ServerProtocol::on_stored(const core::Result<std::string>& queue_id) {
  if (stage_ != Stage::storing) return {};
  stage_ = Stage::command;
  if (queue_id.ok()) return one(250, "2.0.0", "Ok: queued as " + queue_id.value());
  if (queue_id.error().kind == core::ErrorKind::no_space) {
    return one(452, "4.3.1", "Insufficient system storage");
  }
  return one(451, "4.3.0", "Temporary failure storing the message, try again later");
}

}  // namespace stsrelay::smtp
