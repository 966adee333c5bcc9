#include "src/app/config/server_settings_map.hpp"

namespace stsrelay::app {

smtp::ServerSettings to_server_settings(const Config& config) {
  const ServerConfig& s = config.server;
  smtp::ServerSettings out;
  out.listen = s.listen;
  out.hostname = s.hostname;
  out.tls_cert = s.tls_cert;
  out.tls_key = s.tls_key;
  out.max_message_size = s.max_message_size;
  out.max_recipients = static_cast<std::size_t>(s.max_recipients);
  out.max_connections = static_cast<std::size_t>(s.max_connections);
  out.max_connections_per_ip = static_cast<std::size_t>(s.max_connections_per_ip);
  out.add_missing_headers = s.add_missing_headers;
  out.allow_networks = config.relay.allow_networks;
  out.auth_users_file = config.relay.auth_users_file;
  out.command_timeout = s.command_timeout;
  out.data_timeout = s.data_timeout;
  out.max_auth_failures = static_cast<int>(s.max_auth_failures);  // validated: at most 100
  out.max_bad_commands = static_cast<int>(s.max_bad_commands);    // validated: at most 1000
  return out;
}

}  // namespace stsrelay::app
