#include "smtp/server_session.hpp"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <spdlog/spdlog.h>

#include <chrono>
#include <cstdio>
#include <vector>

#include "smtp/auth_users.hpp"
#include "smtp/message_fixups.hpp"
#include "smtp/received_header.hpp"
#include "smtp/tls_required_header.hpp"
#include "src/core/log_quote.hpp"
#include "src/core/logging.hpp"
#include "src/net/await_callback.hpp"

namespace stsrelay::smtp {

namespace asio = boost::asio;
using boost::system::error_code;

namespace {

// RFC 4954 §4: the AUTH command line (with its initial response) may be 12288 octets; the
// 512-octet limit of ordinary commands is applied by ServerProtocol.
constexpr std::size_t kMaxAuthLine = 12288;
// Reads while receiving DATA use a larger buffer than command reads, only for that time.
constexpr std::size_t kDataBuffer = 64 * 1024;
// The last reply before closing (421 after a timeout or at shutdown) gets a short bound: a
// client that does not read is not waited for again.
constexpr std::chrono::seconds kFinalWriteTimeout{10};

ProtocolContext make_context(const ServerConfig& cfg, const std::string& client_ip) {
  const ServerSettings& s = cfg.settings;
  ProtocolContext ctx;
  ctx.hostname = s.hostname;
  ctx.client_ip = client_ip;
  ctx.relay_allowed = cfg.relay_networks.contains(client_ip);
  ctx.tls_available = cfg.tls != nullptr;
  ctx.auth_available = cfg.users && !cfg.users->empty();
  ctx.max_message_size = s.max_message_size;
  ctx.max_recipients = s.max_recipients;
  ctx.max_auth_failures = s.max_auth_failures;
  ctx.max_bad_commands = s.max_bad_commands;
  return ctx;
}

// AuthUsers::verify on `pool` (PBKDF2 is CPU-heavy), resumed on the session's strand. A plain
// function, not a coroutine: the lambdas that own data are built here (GCC 12, see
// await_callback.hpp).
template <class PoolExecutor>
asio::awaitable<bool> verify_password(PoolExecutor pool, std::shared_ptr<const AuthUsers> users,
                                      AuthAttempt attempt) {
  auto job = std::make_shared<AuthAttempt>(std::move(attempt));
  return net::await_callback<bool>([pool, users, job](auto done) {
    asio::post(pool, [users, job, done]() mutable {
      done(users && users->verify(job->user, job->password));
    });
  });
}

// The spool file maker of the sink, or none (every message stays in memory). A plain function,
// not a coroutine: it builds the lambda (GCC 12, see await_callback.hpp).
IncomingMessage::OpenSpool spool_opener(const MessageSink& sink) {
  std::optional<std::filesystem::path> dir = sink.spool_directory();
  if (!dir) return {};
  return [dir = std::move(*dir)] { return core::SpoolFile::create(dir); };
}

}  // namespace

Session::Session(std::shared_ptr<ServerShared> shared, std::shared_ptr<const ServerConfig> config,
                 asio::ip::tcp::socket socket, std::string client_ip, std::uint64_t id)
    : shared_(std::move(shared)),
      config_(std::move(config)),
      stream_(std::move(socket)),
      client_ip_(std::move(client_ip)),
      id_(id),
      protocol_(make_context(*config_, client_ip_)),
      lines_(kMaxAuthLine),
      timer_(stream_.get_executor()) {}

void Session::start() {
  auto self = shared_from_this();
  asio::co_spawn(timer_.get_executor(), [self]() { return self->watchdog(); }, asio::detached);
  asio::co_spawn(timer_.get_executor(), [self]() { return self->run(); }, asio::detached);
}

void Session::request_stop() {
  asio::post(timer_.get_executor(), [self = shared_from_this()]() {
    self->stop_requested_ = true;
    if (self->waiting_for_command_) self->stream_.cancel();
  });
}

void Session::force_close() {
  asio::post(timer_.get_executor(), [self = shared_from_this()]() {
    self->stop_requested_ = true;
    self->stream_.close();
  });
}

void Session::arm(std::chrono::seconds timeout) {
  timed_out_ = false;
  deadline_ = Clock::now() + timeout;
  // Moving the deadline earlier wakes the watchdog (its wait is cancelled) so it re-arms.
  if (deadline_ < timer_.expiry()) timer_.expires_at(deadline_);
}

asio::awaitable<void> Session::watchdog() {
  auto self = shared_from_this();
  while (!finished_) {
    timer_.expires_at(deadline_);
    error_code ec;
    co_await timer_.async_wait(asio::redirect_error(asio::use_awaitable, ec));
    if (finished_) break;
    if (Clock::now() >= deadline_) {
      timed_out_ = true;
      disarm();
      stream_.cancel();
    }
  }
}

asio::awaitable<bool> Session::flush(std::chrono::seconds timeout) {
  if (out_.empty()) co_return true;
  error_code ec;
  arm(timeout);
  co_await stream_.write(asio::buffer(out_), ec);
  disarm();
  out_.clear();
  co_return !ec;
}

asio::awaitable<bool> Session::read_more(char* buf, std::size_t size, std::size_t& n,
                                         std::chrono::seconds timeout) {
  error_code ec;
  arm(timeout);
  n = co_await stream_.read_some(asio::buffer(buf, size), ec);
  disarm();
  if (ec) n = 0;
  co_return !ec;
}

asio::awaitable<void> Session::run() {
  auto self = shared_from_this();
  const ServerSettings& s = config_->settings;
  spdlog::debug("smtp: session {} connect from [{}]", id_, client_ip_);
  queue(protocol_.greeting());
  bool alive = co_await flush(s.command_timeout);
  while (alive) {
    if (lines_.has_line()) {
      if (stop_requested_) {
        queue(protocol_.shutdown_reply());
        break;
      }
      std::optional<Line> line = lines_.next();
      if (!line) continue;
      alive = co_await perform(protocol_.on_line(*line));
      continue;
    }
    // RFC 2920 §3.1: the replies of a pipelined group go out together, once no further
    // complete command is waiting in the input buffer.
    if (!co_await flush(s.command_timeout)) break;
    if (stop_requested_) {
      queue(protocol_.shutdown_reply());
      break;
    }
    std::size_t n = 0;
    waiting_for_command_ = true;
    bool ok = co_await read_more(buf_.data(), buf_.size(), n, s.command_timeout);
    waiting_for_command_ = false;
    if (!ok) {
      if (timed_out_) {
        spdlog::info("smtp: session {} [{}] timeout waiting for a command", id_, client_ip_);
        queue(protocol_.timeout_reply());
      } else if (stop_requested_) {
        queue(protocol_.shutdown_reply());
      }
      break;
    }
    lines_.append(std::string_view(buf_.data(), n));
  }
  co_await flush(std::min(s.command_timeout, kFinalWriteTimeout));
  stream_.close();
  finished_ = true;
  timer_.cancel();
  spdlog::debug("smtp: session {} [{}] closed", id_, client_ip_);
  shared_->release(client_ip_, id_);
}

asio::awaitable<bool> Session::perform(Step step) {
  for (const Reply& r : step.replies) queue(r);
  switch (step.action) {
    case Action::none:
      co_return true;
    case Action::close:
      co_return false;
    case Action::start_tls:
      co_return co_await start_tls();
    case Action::read_data:
      co_return co_await receive_data();
    case Action::verify_auth:
      co_return co_await verify_auth();
    case Action::store_message:
      break;  // only on_data() asks for it, and receive_data() handles that
  }
  co_return false;
}

asio::awaitable<bool> Session::start_tls() {
  const ServerSettings& s = config_->settings;
  if (!co_await flush(s.command_timeout)) co_return false;
  // RFC 3207 §4.2 (and CVE-2011-0411): whatever the client sent after STARTTLS in the clear
  // is discarded, never executed inside the TLS session.
  lines_.clear();
  error_code ec;
  arm(s.command_timeout);
  co_await stream_.handshake(*config_->tls, ec);
  disarm();
  if (ec) {
    spdlog::info("smtp: session {} [{}] TLS handshake failed: {}", id_, client_ip_,
                 timed_out_ ? std::string("timeout") : ec.message());
    co_return false;  // no reply is possible without a working TLS layer
  }
  co_return co_await perform(protocol_.on_tls_started(stream_.tls_summary()));
}

asio::awaitable<bool> Session::receive_data() {
  const ServerSettings& s = config_->settings;
  if (!co_await flush(s.command_timeout)) co_return false;  // the 354 and earlier replies
  DataReader reader(s.max_message_size);
  IncomingMessage incoming(spool_opener(shared_->sink));
  core::Status kept = core::Ok{};  // a spool file that cannot be written fails the message
  const std::string early = lines_.take_rest();  // data pipelined right behind DATA
  DataFeed feed = reader.feed(early);
  if (feed.status != DataStatus::need_more) {
    lines_.append(std::string_view(early).substr(feed.consumed));
  } else {
    std::vector<char> buf(kDataBuffer);
    while (feed.status == DataStatus::need_more) {
      std::size_t n = 0;
      if (!co_await read_more(buf.data(), buf.size(), n, s.data_timeout)) {
        if (timed_out_) {
          spdlog::info("smtp: session {} [{}] timeout during DATA", id_, client_ip_);
          queue(protocol_.timeout_reply());
        }
        co_return false;
      }
      std::string_view chunk(buf.data(), n);
      feed = reader.feed(chunk);
      if (feed.status != DataStatus::need_more) lines_.append(chunk.substr(feed.consumed));
      // The output moves on in pieces of about one read buffer, so a large message never
      // collects in the reader; after a failed write the rest is read and dropped.
      if (feed.status == DataStatus::need_more && reader.buffered() >= kDataBuffer) {
        std::string piece = reader.take_output();
        if (kept) kept = incoming.add(std::move(piece));
      }
    }
  }
  Step step = protocol_.on_data(reader.error());
  if (step.action != Action::store_message) {
    shared_->messages_rejected++;
    if (!step.replies.empty()) {
      spdlog::info("smtp: session {} [{}] message refused after DATA: {}", id_, client_ip_,
                   summary(step.replies.front()));
    }
    co_return co_await perform(std::move(step));
  }
  if (kept) kept = incoming.add(reader.take_message());
  if (!kept) {
    shared_->messages_rejected++;
    spdlog::warn("smtp: session {} [{}] spooling the message failed ({}): {}", id_, client_ip_,
                 core::to_string(kept.error().kind), kept.error().message);
    co_return co_await perform(protocol_.on_stored(core::Result<std::string>(kept.error())));
  }
  co_return co_await store_message(std::move(incoming), reader.has_long_line());
}

asio::awaitable<bool> Session::verify_auth() {
  bool ok = co_await verify_password(shared_->auth_pool.get_executor(), config_->users,
                                     protocol_.pending_auth());
  if (!ok) spdlog::info("smtp: session {} [{}] authentication failed", id_, client_ip_);
  co_return co_await perform(protocol_.on_auth_verified(ok));
}

asio::awaitable<bool> Session::store_message(IncomingMessage incoming, bool long_lines) {
  ++transactions_;
  const auto started = std::chrono::steady_clock::now();
  const core::Envelope& env = protocol_.envelope();
  const ServerSettings& settings = config_->settings;
  const core::SysTime now = shared_->clock.now();
  std::string queue_id = shared_->sink.new_queue_id();

  const bool header_complete = incoming.header_complete();
  core::MessageContent content = incoming.take();
  if (content.spooled() && (long_lines || !header_complete)) {
    // The rare large message that the fixups must see whole: a line over 998 octets (the
    // long-line fixup re-encodes MIME parts, which needs the structure of the whole message)
    // or a header section longer than the spool threshold. It is read back into memory and
    // handled like a small one, so such a message costs its size in memory while it is fixed
    // up, signed and stored, as every message did before spooling. Attachments are base64 or
    // quoted-printable with short lines, so large mail almost never takes this path.
    auto whole = core::load_whole(content);
    if (!whole) {
      shared_->messages_rejected++;
      spdlog::warn("smtp: session {} [{}] reading the spooled message failed: {}", id_,
                   client_ip_, whole.error().message);
      co_return co_await perform(protocol_.on_stored(core::Result<std::string>(whole.error())));
    }
    content = core::MessageContent(std::move(*whole));
  }

  FixupContext fixup;
  fixup.queue_id = queue_id;
  fixup.hostname = settings.hostname;
  fixup.unique = shared_->unique_token();
  fixup.accepted_at = now;
  fixup.add_missing_headers = settings.add_missing_headers;
  // A spooled message's head is its whole header section and none of its lines is long: the
  // fixups then only add missing header fields, which live there.
  FixedMessage fixed = apply_fixups(std::move(content.head), fixup);
  // RFC 8689 §4.1: a message carrying "TLS-Required: No" is tagged so (unless it came with
  // REQUIRETLS); the field stays in the message for the next hop.
  core::Envelope tagged = env;
  if (tls_optional_requested(env.require_tls, fixed.message)) tagged.tls_optional = true;

  ReceivedInfo info;
  info.helo = env.client_helo;
  info.client_ip = client_ip_;
  info.hostname = settings.hostname;
  info.protocol = std::string(protocol_.protocol_name());
  info.tls = env.tls;
  info.id = queue_id;
  if (env.recipients.size() == 1) info.recipient = env.recipients.front().address;
  // The fields go in front of the message in place: the reader's buffer usually has room to
  // spare, so a message is moved within it rather than copied into a second one.
  content.head = std::move(fixed.message);
  content.head.insert(0, format_received(info, now));
  MessageSink::Additions additions = shared_->sink.prepare(content, now);
  if (!additions.header_fields.empty()) content.head.insert(0, additions.header_fields);
  const std::uint64_t size = content.size();

  core::Result<std::string> result = co_await net::await_call(
      shared_->sink, &MessageSink::store, std::move(queue_id), tagged, std::move(content));
  shared_->store_wait.observe(std::chrono::steady_clock::now() - started);
  if (result.ok()) {
    shared_->messages_accepted++;
    log_accepted(tagged, result.value(), size, fixed.report.describe(), additions.log_fields);
  } else {
    shared_->messages_rejected++;
    spdlog::warn("smtp: session {} [{}] storing the message failed ({}): {}", id_, client_ip_,
                 core::to_string(result.error().kind), result.error().message);
  }
  co_return co_await perform(protocol_.on_stored(result));
}

void Session::log_accepted(const core::Envelope& env, const std::string& queue_id,
                           std::uint64_t size, const std::string& fixups,
                           const std::string& sink_fields) const {
  // `fixups` says what the relay changed in the message (smtp/message_fixups.hpp); the field is
  // left out when nothing was. So are the RFC 8689 tags, `requiretls=yes` (the MAIL FROM
  // parameter) and `tls_required=no` (the header field), when the message has none.
  std::string tags;
  if (env.require_tls) tags += " requiretls=yes";
  if (env.tls_optional) tags += " tls_required=no";
  core::mail_log().info(
      "queue_id={} size={} from={} nrcpt={} client={} helo={} tls={} auth={}{}{}{}",
      core::log_value(queue_id), size, core::log_value("<" + env.sender + ">"),
      env.recipients.size(), core::log_value("[" + client_ip_ + "]"),
      core::log_value(env.client_helo), core::log_value(env.tls.empty() ? "none" : env.tls),
      core::log_value(env.auth_user.empty() ? "-" : env.auth_user), tags,
      fixups.empty() ? std::string() : " fixups=" + core::log_value(fixups), sink_fields);
}

}  // namespace stsrelay::smtp
