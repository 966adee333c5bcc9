#include "src/delivery/attempt_log.hpp"

#include <cstdio>

#include "src/core/log_quote.hpp"
#include "src/core/logging.hpp"

namespace stsrelay::delivery {
namespace {

void append(std::string& out, const char* key, const std::string& value) {
  if (value.empty()) return;
  out += ' ';
  out += key;
  out += '=';
  out += core::log_value(value);
}

}  // namespace

std::string format_attempt(const AttemptLogLine& line) {
  std::string out = line.queue_id;
  out += ": to=";
  out += core::log_value("<" + line.recipient + ">");

  std::string relay = line.relay_host.empty() ? std::string("none") : line.relay_host;
  if (!line.relay_ip.empty()) {
    relay += '[' + line.relay_ip + "]:" + std::to_string(line.relay_port);
  }
  append(out, "relay", relay);

  char delay[32];
  std::snprintf(delay, sizeof delay, "%.2f", line.delay_seconds < 0 ? 0.0 : line.delay_seconds);
  append(out, "delay", delay);

  if (!line.tls_version.empty()) {
    append(out, "tls", line.tls_version + (line.tls_verdict.empty() ? "" : "/" + line.tls_verdict));
  } else if (!line.relay_ip.empty()) {
    append(out, "tls", "none");
  }
  append(out, "floor", line.floor);
  if (!line.sts_mode.empty()) {
    append(out, "sts", line.sts_mode + (line.sts_id.empty() ? "" : "/" + line.sts_id));
  }
  append(out, "mx", line.mx_verdict);
  append(out, "dane", line.dane);
  append(out, "dsn", line.dsn);
  append(out, "status", line.status);
  append(out, "reply", line.reply);
  return out;
}

}  // namespace stsrelay::delivery
