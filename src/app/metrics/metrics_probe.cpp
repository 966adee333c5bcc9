#include "src/app/metrics/metrics_probe.hpp"

#include "src/core/ascii.hpp"

namespace stsrelay::app {
namespace {

std::string shown(std::string_view line) {
  std::string out(line.substr(0, kMaxShownReply));
  for (char& c : out) {
    if (!core::is_printable(c)) c = '?';
  }
  return out;
}

bool is_code(std::string_view line) {
  return line.size() >= 3 && core::is_digits(line.substr(0, 3));
}

}  // namespace

core::Result<net::ListenAddress> probe_address(std::string_view bound) {
  auto address = net::parse_listen_address(bound);
  if (!address) return address.error();
  if (address->host == "0.0.0.0") address->host = "127.0.0.1";
  if (address->host == "::") address->host = "::1";
  if (address->host == "localhost") address->host = "127.0.0.1";
  return address;
}

GreetingVerdict judge_greeting(std::string_view received) {
  std::string_view rest = received;
  for (;;) {
    const auto nl = rest.find('\n');
    if (nl == std::string_view::npos) break;
    std::string_view line = rest.substr(0, nl);
    rest = rest.substr(nl + 1);
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    if (!is_code(line) || (line.size() > 3 && line[3] != ' ' && line[3] != '-')) {
      return {true, false, "not an SMTP greeting: " + shown(line)};
    }
    if (line.size() > 3 && line[3] == '-') continue;  // more lines follow
    return {true, line.substr(0, 3) == "220", shown(line)};
  }
  if (received.size() >= kMaxGreeting) {
    return {true, false, "no complete greeting in " + std::to_string(kMaxGreeting) + " octets"};
  }
  return {};
}

}  // namespace stsrelay::app
