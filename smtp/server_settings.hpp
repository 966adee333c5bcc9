// Settings of the inbound SMTP server, filled from the configuration by the app. Plain values
// only, so that reloading swaps the whole struct. The defaults here are the defaults of the
// [server] and [relay] keys: the app's Config takes them from this struct.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace stsrelay::smtp {

struct ServerSettings {
  std::vector<std::string> listen{"127.0.0.1:2525"};  // "host:port", "[v6]:port"
  std::string hostname = "localhost";                 // greeting, Received:
  std::string tls_cert;  // PEM chain file; STARTTLS offered when cert and key are set
  std::string tls_key;
  std::uint64_t max_message_size = 36700160;
  std::size_t max_recipients = 1000;
  std::size_t max_connections = 1000;
  std::size_t max_connections_per_ip = 100;
  std::vector<std::string> allow_networks{"127.0.0.0/8", "::1/128"};  // CIDR; relay w/o AUTH
  std::string auth_users_file;  // AUTH offered only after STARTTLS and only when set
  // RFC 6409 §8.2, §8.3: a message without Date: or Message-ID: gets one (smtp/message_fixups).
  bool add_missing_headers = true;
  // RFC 5321 §4.5.3.2.7: a server waits at least 5 minutes for the next command; the same
  // bound applies to every read while receiving DATA.
  std::chrono::seconds command_timeout{300};
  std::chrono::seconds data_timeout{300};
  int max_auth_failures = 3;  // then 421 4.7.0 and the connection is closed
  int max_bad_commands = 20;  // unknown/invalid commands before 421
};

}  // namespace stsrelay::smtp
