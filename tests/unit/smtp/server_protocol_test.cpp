#include "smtp/server_protocol.hpp"

#include <gtest/gtest.h>

#include "smtp/sasl.hpp"
#include "src/core/base64.hpp"

namespace stsrelay::smtp {
namespace {

// One exchange: a client line (or an event in angle brackets) and the expected outcome written
// as "code enhanced" per reply, comma-separated, then " !action" when there is one.
struct Exchange {
  std::string input;
  std::string expect;
};

struct Scenario {
  const char* name;
  std::vector<Exchange> exchanges;
  bool relay_allowed = true;
  bool tls_available = true;
  bool auth_available = true;
  int max_bad_commands = 10;
};

std::string_view action_name(Action a) {
  switch (a) {
    case Action::none: return "";
    case Action::start_tls: return "start_tls";
    case Action::read_data: return "read_data";
    case Action::verify_auth: return "verify_auth";
    case Action::store_message: return "store";
    case Action::close: return "close";
  }
  return "?";
}

std::string describe(const Step& step) {
  std::string out;
  for (const Reply& r : step.replies) {
    if (!out.empty()) out += ",";
    out += std::to_string(r.code);
    if (!r.enhanced.empty()) out += " " + r.enhanced;
  }
  if (step.action != Action::none) out += " !" + std::string(action_name(step.action));
  return out;
}

Line line_of(const std::string& text) { return Line{text, text.size() + 2, false, false}; }

Step run(ServerProtocol& p, const std::string& input) {
  if (input == "<tls>") return p.on_tls_started("TLSv1.3:TLS_AES_128_GCM_SHA256");
  if (input == "<auth-ok>") return p.on_auth_verified(true);
  if (input == "<auth-bad>") return p.on_auth_verified(false);
  if (input == "<data-ok>") return p.on_data(DataError::none);
  if (input == "<data-bare>") return p.on_data(DataError::bare_cr_lf);
  if (input == "<data-big>") return p.on_data(DataError::too_big);
  if (input == "<stored>") return p.on_stored(std::string("Q1"));
  if (input == "<stored-nospace>") return p.on_stored(core::Error::no_space("disk full"));
  if (input == "<stored-fail>") return p.on_stored(core::Error::temporary("locked"));
  if (input == "<bare-lf>") return p.on_line(Line{"NOOP", 5, false, true});
  if (input == "<too-long>") return p.on_line(Line{"", 20000, true, false});
  if (input == "<513>") return p.on_line(line_of("NOOP " + std::string(506, 'x')));
  if (input == "<512>") return p.on_line(line_of("NOOP " + std::string(505, 'x')));
  return p.on_line(line_of(input));
}

ProtocolContext context_of(const Scenario& s) {
  ProtocolContext ctx;
  ctx.hostname = "relay.example.org";
  ctx.client_ip = "192.0.2.1";
  ctx.relay_allowed = s.relay_allowed;
  ctx.tls_available = s.tls_available;
  ctx.auth_available = s.auth_available;
  ctx.max_message_size = 1000;
  ctx.max_recipients = 2;
  ctx.max_auth_failures = 2;
  ctx.max_bad_commands = s.max_bad_commands;
  return ctx;
}

const std::string kPlainGood = core::encode_base64(std::string("\0user\0secret", 12));
const std::string kPlainOther = core::encode_base64(std::string("admin\0user\0secret", 17));

const std::vector<Scenario>& scenarios() {
  static const std::vector<Scenario> table = {
      {"full transaction",
       {{"EHLO client.example", "250"},
        {"MAIL FROM:<a@example.com>", "250 2.1.0"},
        {"RCPT TO:<b@example.net>", "250 2.1.5"},
        {"DATA", "354 !read_data"},
        {"<data-ok>", " !store"},
        {"<stored>", "250 2.0.0"},
        {"QUIT", "221 2.0.0 !close"}}},
      {"HELO session",
       {{"HELO client.example", "250"}, {"MAIL FROM:<>", "250 2.1.0"}}},
      {"sequence errors",
       {{"MAIL FROM:<a@example.com>", "503 5.5.1"},
        {"RCPT TO:<b@example.net>", "503 5.5.1"},
        {"DATA", "503 5.5.1"},
        {"EHLO c", "250"},
        {"RCPT TO:<b@example.net>", "503 5.5.1"},
        {"MAIL FROM:<a@example.com>", "250 2.1.0"},
        {"MAIL FROM:<a@example.com>", "503 5.5.1"},
        {"DATA", "503 5.5.1"}}},
      {"commands without EHLO",
       {{"NOOP", "250 2.0.0"}, {"RSET", "250 2.0.0"}, {"VRFY someone", "252 2.5.0"},
        {"HELP", "214 2.0.0"}, {"QUIT", "221 2.0.0 !close"}}},
      {"syntax errors",
       {{"EHLO", "501 5.5.4"},
        {"HELO", "501 5.5.4"},
        {"EHLO c", "250"},
        {"MAIL FROM:a@example.com", "501 5.5.4"},
        {"MAIL TO:<a@example.com>", "501 5.5.4"},
        {"MAIL FROM:<a@@example.com>", "501 5.1.7"},
        {"MAIL FROM: <a@example.com>", "250 2.1.0"},
        {"RCPT TO:<no-domain>", "501 5.1.3"},
        {"RCPT TO:b@example.net", "501 5.5.4"}}},
      {"unknown, EXPN, VRFY, RSET args",
       {{"EHLO c", "250"}, {"XYZZY", "500 5.5.2"}, {"BDAT 10 LAST", "500 5.5.2"},
        {"EXPN staff", "502 5.5.1"}, {"VRFY", "501 5.5.4"}, {"RSET x", "501 5.5.4"},
        {"NOOP anything", "250 2.0.0"}}},
      {"line limits",
       {{"<512>", "250 2.0.0"}, {"<513>", "500 5.5.2"}, {"<too-long>", "500 5.5.2"},
        {"<bare-lf>", "500 5.5.2"}}},
      {"too many errors close the connection",
       {{"A", "500 5.5.2"}, {"NOOP", "250 2.0.0"}, {"B", "500 5.5.2"},
        {"C", "500 5.5.2,421 4.7.0 !close"}, {"NOOP", ""}},
       true, true, true, 3},
      {"relay denied without allow_networks or AUTH",
       {{"EHLO c", "250"},
        {"MAIL FROM:<a@example.com>", "250 2.1.0"},
        {"RCPT TO:<b@example.net>", "554 5.7.1"},
        {"RCPT TO:<[192.0.2.3]>", "501 5.1.3"},
        {"RCPT TO:<b@[192.0.2.3]>", "554 5.7.1"},
        {"DATA", "503 5.5.1"}},
       false},
      {"postmaster has no local mailbox",
       {{"EHLO c", "250"}, {"MAIL FROM:<>", "250 2.1.0"}, {"RCPT TO:<Postmaster>", "550 5.1.1"}}},
      {"max recipients, duplicates counted once",
       {{"EHLO c", "250"},
        {"MAIL FROM:<a@example.com>", "250 2.1.0"},
        {"RCPT TO:<b@example.net>", "250 2.1.5"},
        {"RCPT TO:<b@example.net>", "250 2.1.5"},
        {"RCPT TO:<c@example.net>", "250 2.1.5"},
        {"RCPT TO:<d@example.net>", "452 4.5.3"}}},
      {"SIZE over the limit at MAIL",
       {{"EHLO c", "250"},
        {"MAIL FROM:<a@example.com> SIZE=1001", "552 5.3.4"},
        {"MAIL FROM:<a@example.com> SIZE=1000", "250 2.1.0"}}},
      {"ESMTP parameter errors",
       {{"EHLO c", "250"},
        {"MAIL FROM:<a@example.com> FOO=1", "555 5.5.4"},
        {"MAIL FROM:<a@example.com> SIZE=1 SIZE=2", "501 5.5.4"},
        {"MAIL FROM:<a@example.com> BODY=8BITMIME RET=HDRS ENVID=x", "250 2.1.0"},
        {"RCPT TO:<b@example.net> NOTIFY=BOGUS", "501 5.5.4"},
        {"RCPT TO:<b@example.net> NOTIFY=SUCCESS,FAILURE ORCPT=rfc822;b@example.net",
         "250 2.1.5"}}},
      {"SMTPUTF8 addresses",
       {{"EHLO c", "250"},
        {"MAIL FROM:<j\xc3\xb6rg@example.com>", "553 5.6.7"},
        {"MAIL FROM:<a@example.com>", "250 2.1.0"},
        {"RCPT TO:<\xc3\xa9@example.net>", "553 5.6.7"},
        {"RSET", "250 2.0.0"},
        {"MAIL FROM:<j\xc3\xb6rg@example.com> SMTPUTF8", "250 2.1.0"},
        {"RCPT TO:<\xc3\xa9@b\xc3\xbc" "cher.example>", "250 2.1.5"}}},
      {"data errors reset the transaction",
       {{"EHLO c", "250"}, {"MAIL FROM:<a@example.com>", "250 2.1.0"},
        {"RCPT TO:<b@example.net>", "250 2.1.5"}, {"DATA", "354 !read_data"},
        {"<data-bare>", "554 5.6.0"}, {"DATA", "503 5.5.1"},
        {"MAIL FROM:<a@example.com>", "250 2.1.0"}, {"RCPT TO:<b@example.net>", "250 2.1.5"},
        {"DATA", "354 !read_data"}, {"<data-big>", "552 5.3.4"}, {"DATA", "503 5.5.1"}}},
      {"DATA with argument", {{"EHLO c", "250"}, {"MAIL FROM:<>", "250 2.1.0"},
        {"RCPT TO:<b@example.net>", "250 2.1.5"}, {"DATA now", "501 5.5.4"}}},
      {"store failures",
       {{"EHLO c", "250"}, {"MAIL FROM:<a@example.com>", "250 2.1.0"},
        {"RCPT TO:<b@example.net>", "250 2.1.5"}, {"DATA", "354 !read_data"},
        {"<data-ok>", " !store"}, {"<stored-nospace>", "452 4.3.1"},
        {"MAIL FROM:<a@example.com>", "250 2.1.0"}, {"RCPT TO:<b@example.net>", "250 2.1.5"},
        {"DATA", "354 !read_data"}, {"<data-ok>", " !store"}, {"<stored-fail>", "451 4.3.0"}}},
      {"STARTTLS resets the session",
       {{"EHLO c", "250"},
        {"STARTTLS", "220 2.0.0 !start_tls"},
        {"<tls>", ""},
        {"MAIL FROM:<a@example.com>", "503 5.5.1"},
        {"STARTTLS", "503 5.5.1"},
        {"EHLO c", "250"},
        {"STARTTLS", "503 5.5.1"},
        {"MAIL FROM:<a@example.com>", "250 2.1.0"}}},
      {"STARTTLS errors",
       {{"EHLO c", "250"}, {"STARTTLS now", "501 5.5.4"}, {"MAIL FROM:<>", "250 2.1.0"},
        {"STARTTLS", "503 5.5.1"}}},
      {"STARTTLS not configured",
       {{"EHLO c", "250"}, {"STARTTLS", "502 5.5.1"}, {"AUTH PLAIN", "503 5.5.1"}},
       true, false, false},
      {"AUTH before TLS needs encryption",
       {{"EHLO c", "250"}, {"AUTH PLAIN " + kPlainGood, "538 5.7.11"}}},
      {"AUTH disabled without users",
       {{"EHLO c", "250"}, {"STARTTLS", "220 2.0.0 !start_tls"}, {"<tls>", ""},
        {"EHLO c", "250"}, {"AUTH PLAIN " + kPlainGood, "503 5.5.1"}},
       true, true, false},
      {"AUTH PLAIN with initial response lets a foreign client relay",
       {{"EHLO c", "250"}, {"STARTTLS", "220 2.0.0 !start_tls"}, {"<tls>", ""},
        {"AUTH PLAIN " + kPlainGood, "503 5.5.1"},
        {"EHLO c", "250"},
        {"MAIL FROM:<a@example.com>", "250 2.1.0"},
        {"AUTH PLAIN " + kPlainGood, "503 5.5.1"},
        {"RSET", "250 2.0.0"},
        {"AUTH PLAIN " + kPlainGood, " !verify_auth"},
        {"<auth-ok>", "235 2.7.0"},
        {"AUTH PLAIN " + kPlainGood, "503 5.5.1"},
        {"MAIL FROM:<a@example.com>", "250 2.1.0"},
        {"RCPT TO:<b@example.net>", "250 2.1.5"}},
       false},
      {"AUTH PLAIN without initial response",
       {{"EHLO c", "250"}, {"STARTTLS", "220 2.0.0 !start_tls"}, {"<tls>", ""},
        {"EHLO c", "250"}, {"AUTH PLAIN", "334"}, {kPlainGood, " !verify_auth"},
        {"<auth-ok>", "235 2.7.0"}},
       false},
      {"AUTH LOGIN",
       {{"EHLO c", "250"}, {"STARTTLS", "220 2.0.0 !start_tls"}, {"<tls>", ""},
        {"EHLO c", "250"}, {"AUTH LOGIN", "334"}, {core::encode_base64("user"), "334"},
        {core::encode_base64("secret"), " !verify_auth"}, {"<auth-ok>", "235 2.7.0"}},
       false},
      {"AUTH LOGIN with initial user",
       {{"EHLO c", "250"}, {"STARTTLS", "220 2.0.0 !start_tls"}, {"<tls>", ""},
        {"EHLO c", "250"}, {"AUTH LOGIN " + core::encode_base64("user"), "334"},
        {core::encode_base64("secret"), " !verify_auth"}, {"<auth-bad>", "535 5.7.8"}},
       false},
      {"AUTH cancel, bad base64, unknown mechanism",
       {{"EHLO c", "250"}, {"STARTTLS", "220 2.0.0 !start_tls"}, {"<tls>", ""},
        {"EHLO c", "250"}, {"AUTH PLAIN", "334"}, {"*", "501 5.0.0"},
        {"AUTH CRAM-MD5", "504 5.5.4"}, {"AUTH", "501 5.5.4"},
        {"AUTH LOGIN", "334"}, {"not base64!", "501 5.5.2"}}},
      {"AUTH failures close the connection",
       {{"EHLO c", "250"}, {"STARTTLS", "220 2.0.0 !start_tls"}, {"<tls>", ""},
        {"EHLO c", "250"}, {"AUTH PLAIN " + kPlainGood, " !verify_auth"},
        {"<auth-bad>", "535 5.7.8"}, {"AUTH PLAIN " + kPlainGood, " !verify_auth"},
        {"<auth-bad>", "535 5.7.8,421 4.7.0 !close"}},
       false},
      {"AUTH PLAIN for another identity is refused",
       {{"EHLO c", "250"}, {"STARTTLS", "220 2.0.0 !start_tls"}, {"<tls>", ""},
        {"EHLO c", "250"}, {"AUTH PLAIN " + kPlainOther, "535 5.7.8"}}},
      {"AUTH initial response may exceed 512 octets (RFC 4954 4)",
       {{"EHLO c", "250"}, {"STARTTLS", "220 2.0.0 !start_tls"}, {"<tls>", ""},
        {"EHLO c", "250"},
        {"AUTH PLAIN " + core::encode_base64(std::string(1, '\0') + std::string(200, 'u') +
                                       std::string(1, '\0') + std::string(250, 'p')),
         " !verify_auth"},
        {"<auth-ok>", "235 2.7.0"},
        {"NOOP " + std::string(600, 'x'), "500 5.5.2"}}},
      {"REQUIRETLS without TLS is an unknown parameter (RFC 8689 2, RFC 5321 4.1.1.11)",
       {{"EHLO c", "250"}, {"MAIL FROM:<a@example.com> REQUIRETLS", "555 5.5.4"},
        {"MAIL FROM:<a@example.com>", "250 2.1.0"}}},
      {"REQUIRETLS after STARTTLS",
       {{"EHLO c", "250"}, {"STARTTLS", "220 2.0.0 !start_tls"}, {"<tls>", ""},
        {"EHLO c", "250"}, {"MAIL FROM:<a@example.com> REQUIRETLS=1", "501 5.5.4"},
        {"MAIL FROM:<a@example.com> REQUIRETLS REQUIRETLS", "501 5.5.4"},
        {"MAIL FROM:<a@example.com> REQUIRETLS", "250 2.1.0"},
        {"RCPT TO:<b@example.net>", "250 2.1.5"}}},
      {"REQUIRETLS with a null reverse-path over TLS",
       {{"EHLO c", "250"}, {"STARTTLS", "220 2.0.0 !start_tls"}, {"<tls>", ""},
        {"EHLO c", "250"}, {"MAIL FROM:<> REQUIRETLS", "250 2.1.0"}}},
      {"AUTH requires EHLO after TLS",
       {{"EHLO c", "250"}, {"STARTTLS", "220 2.0.0 !start_tls"}, {"<tls>", ""},
        {"HELO c", "250"}, {"AUTH PLAIN " + kPlainGood, "503 5.5.1"}}},
  };
  return table;
}

TEST(ServerProtocol, Scenarios) {
  for (const auto& s : scenarios()) {
    SCOPED_TRACE(s.name);
    ServerProtocol p(context_of(s));
    for (const auto& ex : s.exchanges) {
      SCOPED_TRACE(ex.input);
      EXPECT_EQ(describe(run(p, ex.input)), ex.expect);
    }
  }
}

TEST(ServerProtocol, Greeting) {
  ServerProtocol p(context_of(Scenario{}));
  EXPECT_EQ(format_reply(p.greeting()), "220 relay.example.org ESMTP stsrelay\r\n");
  EXPECT_EQ(summary(p.timeout_reply()), "421 4.4.2 relay.example.org Error: timeout exceeded");
  EXPECT_EQ(summary(p.shutdown_reply()), "421 4.3.2 relay.example.org Service shutting down");
  EXPECT_EQ(summary(ServerProtocol::too_many_connections_reply("r.example")),
            "421 4.7.0 r.example Too many connections");
}

std::vector<std::string> ehlo_lines(ServerProtocol& p) {
  Step s = p.on_line(line_of("EHLO client.example"));
  EXPECT_EQ(s.replies.size(), 1u);
  return s.replies.at(0).lines;
}

TEST(ServerProtocol, EhloAdvertisesExtensionsByState) {
  Scenario s;
  ServerProtocol p(context_of(s));
  const std::vector<std::string> plain = {"relay.example.org", "PIPELINING", "SIZE 1000",
                                          "8BITMIME", "ENHANCEDSTATUSCODES", "SMTPUTF8", "DSN",
                                          "STARTTLS"};
  EXPECT_EQ(ehlo_lines(p), plain);
  EXPECT_EQ(p.protocol_name(), "ESMTP");
  ASSERT_EQ(p.on_line(line_of("STARTTLS")).action, Action::start_tls);
  p.on_tls_started("TLSv1.3:TLS_AES_128_GCM_SHA256");
  // RFC 8689 §2: REQUIRETLS appears once TLS is active; STARTTLS is gone, AUTH arrives.
  std::vector<std::string> tls = plain;
  tls.back() = "REQUIRETLS";
  tls.push_back("AUTH PLAIN LOGIN");
  EXPECT_EQ(ehlo_lines(p), tls);
  EXPECT_EQ(p.protocol_name(), "ESMTPS");
  ASSERT_EQ(p.on_line(line_of("AUTH PLAIN " + kPlainGood)).action, Action::verify_auth);
  EXPECT_EQ(p.pending_auth().user, "user");
  EXPECT_EQ(p.pending_auth().password, "secret");
  p.on_auth_verified(true);
  EXPECT_EQ(p.auth_user(), "user");
  EXPECT_EQ(p.protocol_name(), "ESMTPSA");
}

TEST(ServerProtocol, EhloWithoutTlsOrUsers) {
  Scenario s;
  s.tls_available = false;
  ServerProtocol p(context_of(s));
  auto lines = ehlo_lines(p);
  EXPECT_EQ(std::count(lines.begin(), lines.end(), "STARTTLS"), 0);
  EXPECT_EQ(lines.back(), "DSN");
  EXPECT_EQ(std::count(lines.begin(), lines.end(), "REQUIRETLS"), 0);
}

TEST(ServerProtocol, HeloIsPlainSmtp) {
  ServerProtocol p(context_of(Scenario{}));
  Step s = p.on_line(line_of("HELO client.example"));
  EXPECT_EQ(format_reply(s.replies.at(0)), "250 relay.example.org\r\n");
  EXPECT_EQ(p.protocol_name(), "SMTP");
}

TEST(ServerProtocol, EnvelopeCarriesEverything) {
  ServerProtocol p(context_of(Scenario{}));
  p.on_line(line_of("EHLO client.example"));
  p.on_line(line_of("MAIL FROM:<s@Example.COM> BODY=8BITMIME RET=HDRS ENVID=e+2B1 SMTPUTF8"));
  p.on_line(line_of("RCPT TO:<r1@example.net> NOTIFY=SUCCESS,DELAY ORCPT=rfc822;r1@example.net"));
  p.on_line(line_of("RCPT TO:<@hop.example:r2@EXAMPLE.net>"));
  ASSERT_EQ(p.on_line(line_of("DATA")).action, Action::read_data);
  ASSERT_EQ(p.on_data(DataError::none).action, Action::store_message);
  const core::Envelope& e = p.envelope();
  EXPECT_EQ(e.sender, "s@example.com");
  ASSERT_EQ(e.recipients.size(), 2u);
  EXPECT_EQ(e.recipients[0].address, "r1@example.net");
  EXPECT_EQ(e.recipients[0].notify, core::kNotifySuccess | core::kNotifyDelay);
  EXPECT_EQ(e.recipients[0].orcpt, "rfc822;r1@example.net");
  EXPECT_EQ(e.recipients[1].address, "r2@example.net");
  EXPECT_EQ(e.recipients[1].notify, 0);
  EXPECT_EQ(e.envid, "e+2B1");
  EXPECT_EQ(e.ret, core::DsnRet::hdrs);
  EXPECT_EQ(e.body, core::BodyType::eight_bit_mime);
  EXPECT_TRUE(e.smtputf8);
  EXPECT_EQ(e.client_address, "192.0.2.1");
  EXPECT_EQ(e.client_helo, "client.example");
  EXPECT_EQ(e.auth_user, "");
  EXPECT_EQ(e.tls, "");
  Step stored = p.on_stored(std::string("ABC123"));
  EXPECT_EQ(format_reply(stored.replies.at(0)), "250 2.0.0 Ok: queued as ABC123\r\n");
  // The transaction is over: a new one starts from MAIL.
  EXPECT_EQ(p.on_line(line_of("RCPT TO:<r1@example.net>")).replies.at(0).code, 503);
}

// RFC 8689 §4.1: MAIL FROM with REQUIRETLS tags the message; without it, it is not tagged.
TEST(ServerProtocol, EnvelopeCarriesRequireTls) {
  for (const bool with : {true, false}) {
    SCOPED_TRACE(with ? "with REQUIRETLS" : "without");
    ServerProtocol p(context_of(Scenario{}));
    p.on_line(line_of("EHLO client.example"));
    ASSERT_EQ(p.on_line(line_of("STARTTLS")).action, Action::start_tls);
    p.on_tls_started("TLSv1.3:TLS_AES_128_GCM_SHA256");
    p.on_line(line_of("EHLO client.example"));
    EXPECT_EQ(describe(p.on_line(line_of(std::string("MAIL FROM:<s@example.com>") +
                                         (with ? " REQUIRETLS" : "")))),
              "250 2.1.0");
    p.on_line(line_of("RCPT TO:<r@example.net>"));
    ASSERT_EQ(p.on_line(line_of("DATA")).action, Action::read_data);
    ASSERT_EQ(p.on_data(DataError::none).action, Action::store_message);
    EXPECT_EQ(p.envelope().require_tls, with);
    EXPECT_FALSE(p.envelope().tls_optional);
    p.on_stored(std::string("Q1"));
    // The tag belongs to one transaction: the next MAIL without it is not tagged.
    p.on_line(line_of("MAIL FROM:<s@example.com>"));
    p.on_line(line_of("RCPT TO:<r@example.net>"));
    p.on_line(line_of("DATA"));
    ASSERT_EQ(p.on_data(DataError::none).action, Action::store_message);
    EXPECT_FALSE(p.envelope().require_tls);
  }
}

TEST(ServerProtocol, RelayDeniedNamesTheRecipient) {
  Scenario s;
  s.relay_allowed = false;
  ServerProtocol p(context_of(s));
  p.on_line(line_of("EHLO c"));
  p.on_line(line_of("MAIL FROM:<a@example.com>"));
  Step st = p.on_line(line_of("RCPT TO:<victim@example.net>"));
  EXPECT_EQ(format_reply(st.replies.at(0)),
            "554 5.7.1 <victim@example.net>: Relay access denied\r\n");
}

}  // namespace
}  // namespace stsrelay::smtp
