// Fuzz target: the server's command path. The input is what a client sends outside DATA: it is
// split by the LineReader, each line parsed (verb, MAIL/RCPT path and ESMTP parameters) and
// played through a ServerProtocol whose every action succeeds (TLS, AUTH, DATA, store).
// Invariants: no crash; every reply code is 2xx-5xx (3xx only as 334/354) and formats as
// CRLF-terminated lines with no CR or LF inside; after "close" nothing more is answered.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "smtp/command.hpp"
#include "smtp/esmtp_params.hpp"
#include "smtp/line_reader.hpp"
#include "smtp/server_protocol.hpp"

using namespace stsrelay::smtp;

namespace {

void check(const Step& step) {
  for (const Reply& r : step.replies) {
    if (r.code < 200 || r.code > 599) std::abort();
    if (r.code / 100 == 3 && r.code != 334 && r.code != 354) std::abort();
    std::string wire = format_reply(r);
    if (wire.size() < 5 || wire.substr(wire.size() - 2) != "\r\n") std::abort();
    std::size_t lines = 0;
    for (std::size_t i = 0; i < wire.size(); ++i) {
      if (wire[i] == '\n' && (i == 0 || wire[i - 1] != '\r')) std::abort();
      if (wire[i] == '\r' && (i + 1 >= wire.size() || wire[i + 1] != '\n')) std::abort();
      if (wire[i] == '\n') ++lines;
    }
    if (lines != (r.lines.empty() ? 1 : r.lines.size())) std::abort();
  }
}

void parse_alone(const std::string& text) {
  Command cmd = parse_command(text);
  for (std::string_view kw : {"FROM:", "TO:"}) {
    if (auto split = split_path_argument(cmd.argument, kw)) {
      MailParameters mp;
      RcptParameters rp;
      (void)parse_mail_parameters(split->parameters, mp);
      (void)parse_rcpt_parameters(split->parameters, rp);
    }
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string_view input(reinterpret_cast<const char*>(data), size);
  ProtocolContext ctx;
  ctx.hostname = "relay.example.org";
  ctx.client_ip = "192.0.2.1";
  ctx.relay_allowed = size % 2 == 0;
  ctx.tls_available = true;
  ctx.auth_available = true;
  ctx.max_recipients = 5;
  ctx.max_message_size = 1000;
  ServerProtocol protocol(ctx);
  LineReader reader(12288);
  reader.append(input);
  bool closed = false;
  while (auto line = reader.next()) {
    parse_alone(line->text);
    Step step = protocol.on_line(*line);
    if (closed && !step.replies.empty()) std::abort();
    check(step);
    switch (step.action) {
      case Action::start_tls:
        reader.clear();
        check(protocol.on_tls_started("TLSv1.3:TLS_AES_128_GCM_SHA256"));
        break;
      case Action::verify_auth:
        check(protocol.on_auth_verified(protocol.pending_auth().password == "secret"));
        break;
      case Action::read_data: {
        Step data = protocol.on_data(DataError::none);
        check(data);
        if (data.action == Action::store_message) check(protocol.on_stored(std::string("Q1")));
        break;
      }
      case Action::close:
        closed = true;
        break;
      default:
        break;
    }
  }
  return 0;
}
