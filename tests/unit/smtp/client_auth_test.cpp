// The pure AUTH exchange of the client (client_auth.hpp): mechanism choice, the PLAIN initial
// response (RFC 4616 §2, RFC 4954 §4), LOGIN's challenges, and what each reply means.
#include "smtp/client_auth.hpp"

#include <gtest/gtest.h>

#include "src/core/base64.hpp"
#include "table_test.hpp"

namespace stsrelay::smtp {
namespace {

using Mechanisms = std::vector<std::string>;

TEST(ClientAuth, ChooseMechanism) {
  const stsrelay::testing::Row<Mechanisms, std::optional<AuthMechanism>> rows[] = {
      {"PLAIN alone", {"PLAIN"}, AuthMechanism::plain},
      {"PLAIN preferred whatever the server's order", {"LOGIN", "CRAM-MD5", "PLAIN"},
       AuthMechanism::plain},
      {"LOGIN when PLAIN is missing", {"CRAM-MD5", "LOGIN"}, AuthMechanism::login},
      {"neither", {"CRAM-MD5", "SCRAM-SHA-256", "XOAUTH2"}, std::nullopt},
      {"no AUTH offered", {}, std::nullopt},
  };
  stsrelay::testing::expect_rows(rows,
                                 [](const Mechanisms& m) { return choose_auth_mechanism(m); });
  EXPECT_EQ(to_string(AuthMechanism::plain), "PLAIN");
  EXPECT_EQ(to_string(AuthMechanism::login), "LOGIN");
}

TEST(ClientAuth, CheckCredentials) {
  EXPECT_FALSE(check_credentials({"user@example.com", "s3cret pass"}));
  EXPECT_FALSE(check_credentials({"", ""}));
  EXPECT_TRUE(check_credentials({std::string("a\0b", 3), "x"}));
  EXPECT_TRUE(check_credentials({"a", std::string("x\0", 2)}));
}

// RFC 4616 §4's example: authcid "tim", password "tanstaaftanstaaf", no authzid.
TEST(ClientAuth, PlainInitialResponse) {
  AuthExchange plain(AuthMechanism::plain, {"tim", "tanstaaftanstaaf"});
  const std::string line = plain.start();
  EXPECT_EQ(line, "AUTH PLAIN AHRpbQB0YW5zdGFhZnRhbnN0YWFm\r\n");
  EXPECT_EQ(core::decode_base64("AHRpbQB0YW5zdGFhZnRhbnN0YWFm"),
            std::string("\0tim\0tanstaaftanstaaf", 21));
  // UTF-8 is sent as it is (RFC 4616 §2: UTF-8 strings).
  AuthExchange utf8(AuthMechanism::plain, {"j\xc3\xb6rg", "p\xc3\xa4ss"});
  const std::string utf8_line = utf8.start();
  ASSERT_EQ(utf8_line.rfind("AUTH PLAIN ", 0), 0u);
  EXPECT_EQ(core::decode_base64(utf8_line.substr(11, utf8_line.size() - 13)),
            std::string("\0j\xc3\xb6rg\0p\xc3\xa4ss", 12));
}

TEST(ClientAuth, LoginChallenges) {
  const stsrelay::testing::Row<std::string, std::optional<LoginPrompt>> rows[] = {
      {"Username: (the common prompt)", "VXNlcm5hbWU6", LoginPrompt::user},
      {"Password:", "UGFzc3dvcmQ6", LoginPrompt::password},
      {"User Name with a NUL (older Microsoft servers)",
       core::encode_base64(std::string("User Name\0", 10)), LoginPrompt::user},
      {"lower case", core::encode_base64("password"), LoginPrompt::password},
      {"login:", core::encode_base64("login:"), LoginPrompt::user},
      {"empty challenge", "", LoginPrompt::unknown},
      {"some other text", core::encode_base64("Who are you?"), LoginPrompt::unknown},
      {"not base64", "Username:", std::nullopt},
  };
  stsrelay::testing::expect_rows(rows,
                                 [](const std::string& t) { return parse_login_challenge(t); });
}

// One exchange: the replies in order and the steps they must give.
struct Exchange {
  AuthMechanism mechanism;
  std::vector<Reply> replies;
  std::vector<AuthStep::Kind> steps;
  std::vector<std::string> lines;  // the lines sent, AUTH first
};

void run_exchange(const Exchange& e) {
  AuthExchange exchange(e.mechanism, {"user@example.com", "s3cret"});
  std::vector<std::string> lines{exchange.start()};
  ASSERT_EQ(e.replies.size(), e.steps.size());
  for (std::size_t i = 0; i < e.replies.size(); ++i) {
    const AuthStep step = exchange.on_reply(e.replies[i]);
    EXPECT_EQ(step.kind, e.steps[i]) << "reply " << i;
    if (step.kind == AuthStep::Kind::send) lines.push_back(step.line);
    if (step.kind == AuthStep::Kind::failure) {
      EXPECT_FALSE(step.reason.empty());
      // The reason never carries the credentials, in any form.
      EXPECT_EQ(step.reason.find("s3cret"), std::string::npos);
      EXPECT_EQ(step.reason.find(core::encode_base64("s3cret")), std::string::npos);
    }
  }
  EXPECT_EQ(lines, e.lines);
}

TEST(ClientAuth, ExchangeTable) {
  using K = AuthStep::Kind;
  const std::string plain = "AUTH PLAIN " +
                            core::encode_base64(std::string("\0user@example.com\0s3cret", 24)) +
                            "\r\n";
  const std::string user = core::encode_base64("user@example.com") + "\r\n";
  const std::string pass = core::encode_base64("s3cret") + "\r\n";
  const Reply ok = make_reply(235, "2.7.0", "Authentication successful");
  const Reply bad = make_reply(535, "5.7.8", "Authentication credentials invalid");
  const Reply later = make_reply(454, "4.7.0", "Temporary authentication failure");
  const Reply ask_user = make_reply(334, "", "VXNlcm5hbWU6");
  const Reply ask_pass = make_reply(334, "", "UGFzc3dvcmQ6");
  const Reply ask_empty = make_reply(334, "", "");
  const stsrelay::testing::Row<Exchange, bool> rows[] = {
      {"PLAIN 235", {AuthMechanism::plain, {ok}, {K::success}, {plain}}, true},
      {"PLAIN 535 5.7.8", {AuthMechanism::plain, {bad}, {K::failure}, {plain}}, true},
      {"PLAIN 454 4.7.0", {AuthMechanism::plain, {later}, {K::failure}, {plain}}, true},
      {"PLAIN challenged after the initial response",
       {AuthMechanism::plain, {ask_empty}, {K::failure}, {plain}}, true},
      {"PLAIN: a 250 is not 235 (RFC 4954 6)",
       {AuthMechanism::plain, {make_reply(250, "", "ok")}, {K::failure}, {plain}}, true},
      {"LOGIN 235",
       {AuthMechanism::login, {ask_user, ask_pass, ok}, {K::send, K::send, K::success},
        {"AUTH LOGIN\r\n", user, pass}},
       true},
      {"LOGIN 535 after the password",
       {AuthMechanism::login, {ask_user, ask_pass, bad}, {K::send, K::send, K::failure},
        {"AUTH LOGIN\r\n", user, pass}},
       true},
      {"LOGIN refused at once (504)",
       {AuthMechanism::login, {make_reply(504, "5.5.4", "no")}, {K::failure}, {"AUTH LOGIN\r\n"}},
       true},
      {"LOGIN prompts without text: user first",
       {AuthMechanism::login, {ask_empty, ask_empty, ok}, {K::send, K::send, K::success},
        {"AUTH LOGIN\r\n", user, pass}},
       true},
      {"LOGIN asking for the user twice",
       {AuthMechanism::login, {ask_user, ask_user}, {K::send, K::failure},
        {"AUTH LOGIN\r\n", user}},
       true},
      {"LOGIN third challenge",
       {AuthMechanism::login, {ask_user, ask_pass, ask_empty}, {K::send, K::send, K::failure},
        {"AUTH LOGIN\r\n", user, pass}},
       true},
      {"LOGIN challenge not base64",
       {AuthMechanism::login, {make_reply(334, "", "Username:")}, {K::failure},
        {"AUTH LOGIN\r\n"}},
       true},
  };
  stsrelay::testing::for_each_row(rows, std::source_location::current(),
                                  [](const auto& row) { run_exchange(row.in); });
}

}  // namespace
}  // namespace stsrelay::smtp
