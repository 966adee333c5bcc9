// The configuration reaches the SMTP server's settings key by key.
#include "src/app/config/server_settings_map.hpp"

#include <gtest/gtest.h>

namespace stsrelay::app {
namespace {

TEST(ToServerSettings, CopiesEveryServerAndRelayKey) {
  Config c;
  c.server.listen = {"127.0.0.1:25", "[::1]:25"};
  c.server.hostname = "relay.example.com";
  c.server.tls_cert = "c.pem";
  c.server.tls_key = "k.pem";
  c.server.max_message_size = 1234567;
  c.server.max_recipients = 11;
  c.server.max_connections = 12;
  c.server.max_connections_per_ip = 13;
  c.server.command_timeout = std::chrono::seconds{14};
  c.server.data_timeout = std::chrono::seconds{15};
  c.server.max_auth_failures = 16;
  c.server.max_bad_commands = 17;
  c.relay.allow_networks = {"192.0.2.0/24"};
  c.relay.auth_users_file = "users";

  const smtp::ServerSettings s = to_server_settings(c);
  EXPECT_EQ(s.listen, c.server.listen);
  EXPECT_EQ(s.hostname, "relay.example.com");
  EXPECT_EQ(s.tls_cert, "c.pem");
  EXPECT_EQ(s.tls_key, "k.pem");
  EXPECT_EQ(s.max_message_size, 1234567u);
  EXPECT_EQ(s.max_recipients, 11u);
  EXPECT_EQ(s.max_connections, 12u);
  EXPECT_EQ(s.max_connections_per_ip, 13u);
  EXPECT_EQ(s.command_timeout, std::chrono::seconds{14});
  EXPECT_EQ(s.data_timeout, std::chrono::seconds{15});
  EXPECT_EQ(s.max_auth_failures, 16);
  EXPECT_EQ(s.max_bad_commands, 17);
  EXPECT_EQ(s.allow_networks, c.relay.allow_networks);
  EXPECT_EQ(s.auth_users_file, "users");
}

TEST(ToServerSettings, DefaultsAgree) {
  // The defaults of the configuration and of the server are the same where they overlap.
  const smtp::ServerSettings s = to_server_settings(Config{});
  const smtp::ServerSettings d;
  EXPECT_EQ(s.listen, d.listen);
  EXPECT_EQ(s.hostname, d.hostname);
  EXPECT_EQ(s.max_message_size, d.max_message_size);
  EXPECT_EQ(s.max_recipients, d.max_recipients);
  EXPECT_EQ(s.max_connections, d.max_connections);
  EXPECT_EQ(s.max_connections_per_ip, d.max_connections_per_ip);
  EXPECT_EQ(s.allow_networks, d.allow_networks);
  EXPECT_EQ(s.command_timeout, d.command_timeout);
  EXPECT_EQ(s.data_timeout, d.data_timeout);
  EXPECT_EQ(s.max_auth_failures, d.max_auth_failures);
  EXPECT_EQ(s.max_bad_commands, d.max_bad_commands);
}

}  // namespace
}  // namespace stsrelay::app
