// One mail transaction on an open client session (RFC 5321 §3.3): RSET on a reused
// connection, the local checks of client_envelope.hpp, MAIL FROM, RCPT TO for every recipient,
// DATA and the dot-stuffed content, and one result per recipient.
//
// With PIPELINING (RFC 2920 §3.1) MAIL, the RCPTs and DATA go out as groups of at most
// `pipeline_group` RCPTs, DATA closing the last group, and the replies are read in order. If
// DATA was accepted although no recipient was (or MAIL was refused), only the final "." is sent
// (the client must end the DATA it started) and the reply to it decides nothing.
#include <algorithm>

#include <boost/asio/use_awaitable.hpp>

#include "smtp/client_envelope.hpp"
#include "smtp/client_session_impl.hpp"
#include "smtp/dot_stuffer.hpp"

namespace stsrelay::smtp {

namespace asio = boost::asio;

// The per-recipient bookkeeping of one transaction: pending → accepted (2xx to RCPT) → final.
class TransactionRecipients {
 public:
  explicit TransactionRecipients(TransactionOutcome& out)
      : out_(out), state_(out.recipients.size(), State::pending) {}

  void accept(std::size_t i, const Reply& reply) {
    out_.recipients[i].reply = reply;
    state_[i] = State::accepted;
  }
  void refuse(std::size_t i, ClientPhase phase, const Reply& reply) {
    decide(i, phase, reply, {});
  }
  bool any_accepted() const {
    return std::find(state_.begin(), state_.end(), State::accepted) != state_.end();
  }
  // Settles every recipient without a final result (accepted or not yet answered).
  void settle_open(ClientPhase phase, const std::optional<Reply>& reply, const std::string& why) {
    for (std::size_t i = 0; i < state_.size(); ++i) {
      if (state_[i] != State::final) decide(i, phase, reply, why);
    }
  }
  // Settles every recipient, whatever its RCPT reply was.
  void settle_all(ClientPhase phase, const std::optional<Reply>& reply) {
    for (std::size_t i = 0; i < state_.size(); ++i) decide(i, phase, reply, {});
  }

 private:
  enum class State { pending, accepted, final };
  void decide(std::size_t i, ClientPhase phase, const std::optional<Reply>& reply,
              const std::string& why) {
    auto& r = out_.recipients[i];
    r.phase = phase;
    r.reply = reply;
    r.reason = why;
    state_[i] = State::final;
  }

  TransactionOutcome& out_;
  std::vector<State> state_;
};

namespace {

constexpr std::size_t kContentBlock = 64 * 1024;

bool positive(const ReplyOrFailure& r) { return r.ok() && r.code() / 100 == 2; }

// Ends the transaction at `phase` with the answer `r` (a refusal or an I/O failure); the first
// failure is the one reported.
void stop(TransactionOutcome& out, TransactionRecipients& rcpts, ClientPhase phase,
          const ReplyOrFailure& r) {
  if (!out.failure) out.failure = r.failure(phase);
  rcpts.settle_open(phase, r.reply, r.reason);
}

ReplyOrFailure io_failure(std::string reason, bool timed_out) {
  return ReplyOrFailure{std::nullopt, std::move(reason), timed_out};
}

// The traits of content that is not in memory: one pass over it in chunks.
core::Result<MessageTraits> scan_content(const core::Envelope& envelope,
                                         core::ContentSource& content) {
  if (auto whole = content.in_memory()) return describe_message(envelope, *whole);
  MessageScanner scanner;
  std::string buffer(kContentBlock, '\0');
  auto scanned = core::for_each_chunk(content, 0, kContentBlock, buffer.data(),
                                      [&scanner](std::string_view chunk) {
                                        scanner.feed(chunk);
                                        return true;
                                      });
  if (!scanned) return scanned.error();
  return scanner.traits(envelope, content.size());
}

ReplyOrFailure unreadable(const core::Error& error) {
  return ReplyOrFailure{make_reply(451, "4.3.0", "the queued message cannot be read"),
                        "reading the queued message: " + error.message, false};
}

bool single_line(std::string_view command) {
  const std::string_view body = command.substr(0, command.size() - 2);
  return body.find_first_of(std::string_view("\r\n\0", 3)) == std::string_view::npos;
}

}  // namespace

asio::awaitable<void> ClientSession::Impl::send_content(core::ContentSource& content,
                                                        TransactionOutcome& out,
                                                        TransactionRecipients& rcpts) {
  const auto& timeouts = options_.timeouts;
  const bool any = rcpts.any_accepted();
  DotStuffer stuffer;
  std::string wire;
  // Content in memory is sent from where it is; content from the queue is read one block at a
  // time into `block`, so a large message costs two blocks here whatever its size.
  const std::optional<std::string_view> whole = content.in_memory();
  std::string block(whole ? 0 : kContentBlock, '\0');
  for (std::uint64_t pos = 0; any && pos < content.size();) {
    std::string_view chunk;
    if (whole) {
      chunk = whole->substr(pos, kContentBlock);
    } else {
      core::Result<std::size_t> n = content.read_at(pos, block.data(), block.size());
      if (!n || *n == 0) {
        // The end of data must not be sent after a part of the message: dropping the
        // connection makes the server discard what it got (RFC 5321 §4.1.1.4).
        close();
        stop(out, rcpts, ClientPhase::local,
             unreadable(n ? core::Error::temporary("the content ended early") : n.error()));
        co_return;
      }
      chunk = std::string_view(block.data(), *n);
    }
    pos += chunk.size();
    wire.clear();
    stuffer.feed(chunk, wire);
    // The last block goes with the end of data in one write: one TLS record and one segment
    // for a small message, instead of a second write the server waits for.
    if (pos == content.size()) stuffer.finish(wire);
    if (std::string error = co_await write(wire, timeouts.data_block); !error.empty()) {
      stop(out, rcpts, ClientPhase::message, io_failure(error, timed_out_));
      co_return;
    }
  }
  if (!any || content.size() == 0) {
    wire.clear();
    stuffer.finish(wire);
    if (std::string error = co_await write(wire, timeouts.data_block); !error.empty()) {
      stop(out, rcpts, ClientPhase::message, io_failure(error, timed_out_));
      co_return;
    }
  }
  ReplyOrFailure r = co_await read_reply(timeouts.data_end);
  out.final_reply = r.reply;
  if (!any) co_return;
  if (!r.ok()) {
    // The content went out and no reply came: the message may have been taken (RFC 1047); it
    // is retried, at worst as a duplicate.
    r.reason = "no reply after the end of data: " + r.reason;
  }
  if (!positive(r) && !out.failure) out.failure = r.failure(ClientPhase::message);
  rcpts.settle_open(ClientPhase::message, r.reply, r.reason);
}

asio::awaitable<void> ClientSession::Impl::run_in_lockstep(const core::Envelope& envelope,
                                                           core::ContentSource& content,
                                                           const std::string& mail,
                                                           TransactionOutcome& out,
                                                           TransactionRecipients& rcpts) {
  const auto& timeouts = options_.timeouts;
  ReplyOrFailure r = co_await command(mail, timeouts.mail);
  out.mail_reply = r.reply;
  if (!positive(r)) {
    stop(out, rcpts, ClientPhase::mail, r);
    co_return;
  }
  for (std::size_t i = 0; i < envelope.recipients.size(); ++i) {
    r = co_await command(rcpt_to_command(envelope.recipients[i], caps_), timeouts.rcpt);
    if (!r.ok() || r.code() == 421) {
      stop(out, rcpts, ClientPhase::rcpt, r);
      co_return;
    }
    if (positive(r)) {
      rcpts.accept(i, *r.reply);
    } else {
      rcpts.refuse(i, ClientPhase::rcpt, *r.reply);
    }
  }
  if (!rcpts.any_accepted()) co_return;
  r = co_await command("DATA\r\n", timeouts.data_init);
  out.data_reply = r.reply;
  if (!r.ok() || r.code() != 354) {
    stop(out, rcpts, ClientPhase::data, r);
    co_return;
  }
  co_await send_content(content, out, rcpts);
}

asio::awaitable<void> ClientSession::Impl::run_pipelined(const core::Envelope& envelope,
                                                         core::ContentSource& content,
                                                         const std::string& mail,
                                                         TransactionOutcome& out,
                                                         TransactionRecipients& rcpts) {
  const auto& timeouts = options_.timeouts;
  const std::size_t n = envelope.recipients.size();
  const std::size_t group = std::max<std::size_t>(1, options_.pipeline_group);
  out.pipelined = true;
  std::size_t sent = 0;      // RCPT commands written
  std::size_t answered = 0;  // RCPT replies read
  bool mail_ok = false;
  std::string batch = mail;
  for (;;) {
    while (sent < n && sent - answered < group) {
      batch += rcpt_to_command(envelope.recipients[sent++], caps_);
    }
    if (sent == n) batch += "DATA\r\n";
    if (std::string error = co_await write(batch, timeouts.mail); !error.empty()) {
      stop(out, rcpts, out.mail_reply ? ClientPhase::rcpt : ClientPhase::mail,
           io_failure(error, timed_out_));
      co_return;
    }
    batch.clear();
    if (!out.mail_reply) {
      ReplyOrFailure r = co_await read_reply(timeouts.mail);
      if (!r.ok() || r.code() == 421) {
        stop(out, rcpts, ClientPhase::mail, r);
        co_return;
      }
      out.mail_reply = r.reply;
      mail_ok = positive(r);
    }
    for (; answered < sent; ++answered) {
      ReplyOrFailure r = co_await read_reply(timeouts.rcpt);
      if (!r.ok() || r.code() == 421) {
        stop(out, rcpts, ClientPhase::rcpt, r);
        co_return;
      }
      if (positive(r)) {
        rcpts.accept(answered, *r.reply);
      } else {
        rcpts.refuse(answered, ClientPhase::rcpt, *r.reply);
      }
    }
    if (sent == n || !mail_ok) break;
  }
  if (!mail_ok) {
    // The RCPT replies (typically 503) only echo the refused MAIL: it decides for everyone.
    out.failure = StepFailure{ClientPhase::mail, out.mail_reply, {}, false};
    rcpts.settle_all(ClientPhase::mail, out.mail_reply);
  }
  if (sent != n) co_return;  // DATA was not sent
  ReplyOrFailure r = co_await read_reply(timeouts.data_init);
  out.data_reply = r.reply;
  if (!r.ok()) {
    stop(out, rcpts, ClientPhase::data, r);
    co_return;
  }
  if (r.code() != 354) {
    // Expected when no recipient was accepted (RFC 2920 §3.1: 554 "no valid recipients").
    if (rcpts.any_accepted()) stop(out, rcpts, ClientPhase::data, r);
    co_return;
  }
  co_await send_content(content, out, rcpts);
}

asio::awaitable<TransactionOutcome> ClientSession::Impl::send(const core::Envelope& envelope,
                                                              core::ContentSource& content) {
  auto self = shared_from_this();
  TransactionOutcome out;
  for (const auto& r : envelope.recipients) {
    RecipientResult result;
    result.address = r.address;
    out.recipients.push_back(std::move(result));
  }
  TransactionRecipients rcpts(out);
  if (!usable_) {
    stop(out, rcpts, ClientPhase::connect, io_failure("the connection is not open", false));
    co_return out;
  }
  if (envelope.recipients.empty()) {
    stop(out, rcpts, ClientPhase::local,
         ReplyOrFailure{make_reply(554, "5.5.1", "no recipients"), {}, false});
    co_return out;
  }
  if (transactions_ > 0) {
    // RFC 5321 §4.1.1.5: start clean; on a reused connection this also finds a server that
    // closed it while idle.
    ReplyOrFailure r = co_await command("RSET\r\n", options_.timeouts.rset);
    if (!positive(r)) {
      stop(out, rcpts, ClientPhase::rset, r);
      co_await quit_quietly();
      co_return out;
    }
  }
  const core::Result<MessageTraits> scanned = scan_content(envelope, content);
  if (!scanned) {
    stop(out, rcpts, ClientPhase::local, unreadable(scanned.error()));
    co_return out;
  }
  const MessageTraits& traits = *scanned;
  const ReceiverTraits receiver{options_.mx_host, tls_active_};
  if (std::optional<Reply> refusal = refuse_locally(caps_, traits, receiver)) {
    stop(out, rcpts, ClientPhase::local, ReplyOrFailure{std::move(refusal), {}, false});
    co_return out;
  }
  const std::string mail = mail_from_command(envelope, caps_, traits);
  bool clean = single_line(mail);
  for (const auto& r : envelope.recipients) clean = clean && single_line(rcpt_to_command(r, caps_));
  if (!clean) {
    // The server side validates addresses; this keeps a broken envelope from injecting commands.
    stop(out, rcpts, ClientPhase::local,
         ReplyOrFailure{make_reply(553, "5.1.3", "the envelope contains a line break or NUL"),
                        {}, false});
    co_return out;
  }
  ++transactions_;
  if (caps_.pipelining) {
    co_await run_pipelined(envelope, content, mail, out, rcpts);
  } else {
    co_await run_in_lockstep(envelope, content, mail, out, rcpts);
  }
  co_return out;
}

}  // namespace stsrelay::smtp
