#include "queue/dsn.hpp"

#include <gtest/gtest.h>

#include <map>

namespace stsrelay::queue {
namespace {

// ---- A small reader for what build_dsn writes: enough MIME to check it from the outside. ----

struct Part {
  std::map<std::string, std::string> headers;  // lower-case name -> unfolded value
  std::string body;
};

std::string lower(std::string s) {
  for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

Part parse_part(std::string_view text) {
  Part part;
  const auto end = text.find("\r\n\r\n");
  const std::string_view head = text.substr(0, end);
  part.body = end == std::string_view::npos ? "" : std::string(text.substr(end + 4));
  std::string last;
  std::size_t pos = 0;
  while (pos < head.size()) {
    auto eol = head.find("\r\n", pos);
    if (eol == std::string_view::npos) eol = head.size();
    const std::string_view line = head.substr(pos, eol - pos);
    pos = eol + 2;
    if (!line.empty() && (line[0] == ' ' || line[0] == '\t')) {
      part.headers[last] += " " + std::string(line.substr(1));  // RFC 5322 §2.2.3 unfolding
      continue;
    }
    const auto colon = line.find(':');
    EXPECT_NE(colon, std::string_view::npos) << "not a header line: " << line;
    if (colon == std::string_view::npos) continue;
    last = lower(std::string(line.substr(0, colon)));
    std::string value(line.substr(colon + 1));
    value.erase(0, value.find_first_not_of(' '));
    part.headers[last] = value;
  }
  return part;
}

std::string boundary_of(const std::string& content_type) {
  const auto at = content_type.find("boundary=\"");
  if (at == std::string::npos) return {};
  const auto start = at + 10;
  return content_type.substr(start, content_type.find('"', start) - start);
}

std::vector<Part> split_multipart(const Part& message) {
  const std::string boundary = boundary_of(message.headers.at("content-type"));
  EXPECT_FALSE(boundary.empty());
  EXPECT_LE(boundary.size(), 70u);  // RFC 2046 §5.1.1
  std::vector<Part> parts;
  const std::string delimiter = "\r\n--" + boundary;
  std::string_view body = message.body;
  auto at = body.find("--" + boundary + "\r\n");  // the first delimiter (after the preamble)
  EXPECT_NE(at, std::string_view::npos);
  at += boundary.size() + 4;
  for (;;) {
    const auto next = body.find(delimiter, at);
    EXPECT_NE(next, std::string_view::npos) << "unterminated part";
    if (next == std::string_view::npos) break;
    parts.push_back(parse_part(body.substr(at, next - at)));
    at = next + delimiter.size();
    if (body.substr(at).starts_with("--")) break;  // close-delimiter
    at += 2;
  }
  return parts;
}

// RFC 3464 §2.1: groups of fields separated by empty lines; the first is per-message.
std::vector<std::map<std::string, std::string>> status_groups(std::string_view body) {
  std::vector<std::map<std::string, std::string>> groups;
  std::size_t pos = 0;
  while (pos < body.size()) {
    auto end = body.find("\r\n\r\n", pos);
    if (end == std::string_view::npos) end = body.size();
    const Part fields = parse_part(std::string(body.substr(pos, end - pos)) + "\r\n\r\n");
    if (!fields.headers.empty()) groups.push_back(fields.headers);
    pos = end + 4;
  }
  return groups;
}

// ---- The cases ----

constexpr std::string_view kContent =
    "Received: from client.example.com\r\nFrom: alice@example.com\r\nSubject: hello\r\n"
    "\r\nbody line\r\n";

core::Envelope original(core::DsnRet ret = core::DsnRet::hdrs) {
  core::Envelope e;
  e.sender = "alice@example.com";
  e.envid = "QQ+2B314";
  e.ret = ret;
  e.recipients = {{"bob@example.net", 0, ""}};
  return e;
}

DsnRecipient failed_bob() {
  DsnRecipient r;
  r.address = "bob@example.net";
  r.action = DsnAction::failed;
  r.status = "5.1.1";
  r.remote_mta = "mx.example.net";
  r.diagnostic = "550 5.1.1 <bob@example.net>: no such user";
  r.last_attempt = core::from_unix(1'799'999'000);
  return r;
}

// failed_bob() as `change` leaves it.
template <typename Change>
DsnRecipient failed_bob(Change change) {
  DsnRecipient r = failed_bob();
  change(r);
  return r;
}

DsnInput input(core::Envelope envelope, std::vector<DsnRecipient> recipients) {
  DsnInput in;
  in.envelope = std::move(envelope);
  in.content = kContent;
  in.queue_id = "1MCC5RM0005TQKFF";
  in.recipients = std::move(recipients);
  in.reporting_mta = "relay.example.org";
  in.arrival = core::from_unix(1'799'823'539);
  in.now = core::from_unix(1'800'000'000);
  return in;
}

TEST(Dsn, FailureReportHasTheThreePartsOfRfc3464) {
  auto dsn = build_dsn(input(original(), {failed_bob()}));
  ASSERT_TRUE(dsn);
  EXPECT_EQ(dsn->envelope.sender, "");  // null reverse-path
  ASSERT_EQ(dsn->envelope.recipients.size(), 1u);
  EXPECT_EQ(dsn->envelope.recipients[0].address, "alice@example.com");
  EXPECT_EQ(dsn->envelope.body, core::BodyType::seven_bit);
  EXPECT_FALSE(dsn->envelope.smtputf8);

  const Part message = parse_part(dsn->content);
  EXPECT_EQ(message.headers.at("from"), "Mail Delivery System <MAILER-DAEMON@relay.example.org>");
  EXPECT_EQ(message.headers.at("to"), "<alice@example.com>");
  EXPECT_EQ(message.headers.at("subject"), "Undelivered Mail Returned to Sender");
  EXPECT_EQ(message.headers.at("date"), "Fri, 15 Jan 2027 08:00:00 +0000");
  EXPECT_EQ(message.headers.at("auto-submitted"), "auto-replied");
  EXPECT_EQ(message.headers.at("mime-version"), "1.0");
  EXPECT_TRUE(message.headers.at("message-id").ends_with("@relay.example.org>"));
  EXPECT_TRUE(message.headers.at("content-type")
                  .starts_with("multipart/report; report-type=delivery-status; boundary=\""));

  const auto parts = split_multipart(message);
  ASSERT_EQ(parts.size(), 3u);
  EXPECT_EQ(parts[0].headers.at("content-type"), "text/plain; charset=us-ascii");
  EXPECT_NE(parts[0].body.find("<bob@example.net>: failed, host mx.example.net said: 550 5.1.1"),
            std::string::npos);
  EXPECT_EQ(parts[1].headers.at("content-type"), "message/delivery-status");
  EXPECT_EQ(parts[2].headers.at("content-type"), "text/rfc822-headers");
  EXPECT_EQ(parts[2].body,
            "Received: from client.example.com\r\nFrom: alice@example.com\r\nSubject: hello\r\n");

  const auto groups = status_groups(parts[1].body);
  ASSERT_EQ(groups.size(), 2u);
  EXPECT_EQ(groups[0].at("reporting-mta"), "dns; relay.example.org");
  EXPECT_EQ(groups[0].at("original-envelope-id"), "QQ+314");  // xtext decoded
  EXPECT_EQ(groups[0].at("arrival-date"), "Wed, 13 Jan 2027 06:58:59 +0000");
  EXPECT_EQ(groups[0].at("x-stsrelay-queue-id"), "1MCC5RM0005TQKFF");
  const auto& bob = groups[1];
  EXPECT_EQ(bob.at("final-recipient"), "rfc822; bob@example.net");
  EXPECT_EQ(bob.count("original-recipient"), 0u);
  EXPECT_EQ(bob.at("action"), "failed");
  EXPECT_EQ(bob.at("status"), "5.1.1");
  EXPECT_EQ(bob.at("remote-mta"), "dns; mx.example.net");
  EXPECT_EQ(bob.at("diagnostic-code"), "smtp; 550 5.1.1 <bob@example.net>: no such user");
  EXPECT_EQ(bob.at("last-attempt-date"), "Fri, 15 Jan 2027 07:43:20 +0000");
}

// No report to a null sender, none that NOTIFY rules out, and none of a delay or a delivery
// unless NOTIFY asks for it.
TEST(Dsn, NoReportThatWasNotAskedFor) {
  core::Envelope null_sender = original();
  null_sender.sender = "";
  const struct {
    const char* name;
    core::Envelope envelope;
    DsnRecipient recipient;
  } rows[] = {
      {"null sender gets nothing", null_sender, failed_bob()},
      {"NOTIFY=NEVER gets nothing", original(),
       failed_bob([](auto& r) { r.notify = core::kNotifyNever; })},
      {"NEVER wins over other bits", original(),
       failed_bob([](auto& r) { r.notify = core::kNotifyNever | core::kNotifyFailure; })},
      {"NOTIFY=SUCCESS only: no failure report", original(),
       failed_bob([](auto& r) { r.notify = core::kNotifySuccess; })},
      {"unspecified NOTIFY: no delay report", original(),
       failed_bob([](auto& r) { r.action = DsnAction::delayed; })},
      {"unspecified NOTIFY: no success report", original(),
       failed_bob([](auto& r) { r.action = DsnAction::delivered; })},
  };
  for (const auto& row : rows) {
    SCOPED_TRACE(row.name);
    EXPECT_FALSE(build_dsn(input(row.envelope, {row.recipient})).has_value());
  }
}

// What gets reported, and how, for a range of envelopes and recipients.
TEST(Dsn, NotifyRetAndFieldRules) {
  struct Expect {
    std::string subject;
    std::string returned_type;        // content type of the third part
    std::vector<std::string> finals;  // Final-Recipient of each reported recipient
    std::map<std::string, std::string> first_recipient;  // fields of the first block
  };
  struct Row {
    const char* name;
    core::Envelope envelope;
    std::vector<DsnRecipient> recipients;
    Expect expect;
  };
  // The failure report for bob@example.net alone, headers returned, with these fields in his
  // block.
  const auto bob_failed = [](std::map<std::string, std::string> fields) {
    return Expect{"Undelivered Mail Returned to Sender",
                  "text/rfc822-headers",
                  {"rfc822; bob@example.net"},
                  std::move(fields)};
  };
  std::vector<Row> rows;
  rows.push_back({"NOTIFY=FAILURE reports the failure",
                  original(),
                  {failed_bob([](auto& r) { r.notify = core::kNotifyFailure; })},
                  bob_failed({{"action", "failed"}})});
  rows.push_back(
      {"RET=FULL returns the message",
       original(core::DsnRet::full),
       {failed_bob()},
       {"Undelivered Mail Returned to Sender", "message/rfc822", {"rfc822; bob@example.net"}, {}}});
  rows.push_back(
      {"NOTIFY=DELAY reports a delay, headers only even with RET=FULL",
       original(core::DsnRet::full),
       {failed_bob([](auto& r) {
         r.notify = core::kNotifyDelay | core::kNotifyFailure;
         r.action = DsnAction::delayed;
         r.status = "4.4.1";
         r.diagnostic = "connect to mx.example.net: connection refused";
         r.will_retry_until = core::from_unix(1'800'259'200);
       })},
       {"Delayed Mail (still being retried)",
        "text/rfc822-headers",
        {"rfc822; bob@example.net"},
        {{"action", "delayed"},
         {"status", "4.4.1"},
         {"diagnostic-code", "X-Stsrelay; connect to mx.example.net: connection refused"},
         {"will-retry-until", "Mon, 18 Jan 2027 08:00:00 +0000"}}}});
  rows.push_back({"NOTIFY=SUCCESS reports delivery with status 2.0.0 by default",
                  original(),
                  {failed_bob([](auto& r) {
                    r.notify = core::kNotifySuccess;
                    r.action = DsnAction::delivered;
                    r.status = "";
                    r.diagnostic = "250 2.0.0 Ok: queued as 4XyZ";
                  })},
                  {"Successful Mail Delivery Report",
                   "text/rfc822-headers",
                   {"rfc822; bob@example.net"},
                   {{"action", "delivered"},
                    {"status", "2.0.0"},
                    {"diagnostic-code", "smtp; 250 2.0.0 Ok: queued as 4XyZ"}}}});
  rows.push_back(
      {"only recipients that asked are reported",
       original(),
       {failed_bob([](auto& r) { r.notify = core::kNotifyNever; }),
        failed_bob([](auto& r) { r.address = "carol@example.org"; }), failed_bob([](auto& r) {
          r.address = "dave@example.org";
          r.action = DsnAction::delayed;
        })},
       {"Undelivered Mail Returned to Sender",
        "text/rfc822-headers",
        {"rfc822; carol@example.org"},
        {}}});
  rows.push_back({"ORCPT decoded",
                  original(),
                  {failed_bob([](auto& r) { r.orcpt = "rfc822;b+2Bx@example.net"; })},
                  bob_failed({{"original-recipient", "rfc822; b+x@example.net"}})});
  rows.push_back({"ORCPT that is not xtext is reported as given",
                  original(),
                  {failed_bob([](auto& r) { r.orcpt = "rfc822;b+zz@example.net"; })},
                  bob_failed({{"original-recipient", "rfc822; b+zz@example.net"}})});
  rows.push_back(
      {"multi-line reply becomes one line",
       original(),
       {failed_bob(
           [](auto& r) { r.diagnostic = "550-5.7.1 first line\r\n550 5.7.1 second line"; })},
       bob_failed({{"diagnostic-code", "smtp; 550-5.7.1 first line 550 5.7.1 second line"}})});
  rows.push_back(
      {"no header injection through a reply",
       original(),
       {failed_bob(
           [](auto& r) { r.diagnostic = "550 no\r\nX-Injected: yes\r\n\r\nAction: delivered"; })},
       bob_failed({{"action", "failed"},
                   {"diagnostic-code", "smtp; 550 no X-Injected: yes Action: delivered"}})});
  rows.push_back({"very long address and reply are cut to fit a line",
                  original(),
                  {failed_bob([](auto& r) {
                    r.address = std::string(1500, 'a') + "@example.net";
                    r.diagnostic = "550 " + std::string(3000, 'x');
                  })},
                  {"Undelivered Mail Returned to Sender",
                   "text/rfc822-headers",
                   {"rfc822; " + std::string(900, 'a')},
                   {{"diagnostic-code", "smtp; 550 " + std::string(896, 'x')}}}});
  rows.push_back({"bad status code replaced by the class default",
                  original(),
                  {failed_bob([](auto& r) { r.status = "5.1"; })},
                  bob_failed({{"status", "5.0.0"}})});
  rows.push_back(
      {"no remote MTA, no attempt date",
       original(),
       {failed_bob([](auto& r) {
         r.remote_mta = "";
         r.last_attempt.reset();
         r.status = "5.1.2";
         r.diagnostic = "example.net: domain does not exist (NXDOMAIN)";
       })},
       bob_failed({{"status", "5.1.2"}, {"remote-mta", ""}, {"last-attempt-date", ""}})});

  for (const auto& row : rows) {
    SCOPED_TRACE(row.name);
    DsnInput in = input(row.envelope, row.recipients);
    auto dsn = build_dsn(in);
    ASSERT_TRUE(dsn.has_value());
    // RFC 5322 §2.1.1: no line longer than 998 octets, every line ending in CRLF.
    std::size_t start = 0;
    for (std::size_t eol; (eol = dsn->content.find("\r\n", start)) != std::string::npos;
         start = eol + 2) {
      EXPECT_LE(eol - start, 998u);
      EXPECT_EQ(dsn->content.substr(start, eol - start).find('\n'), std::string::npos);
    }
    EXPECT_EQ(start, dsn->content.size());
    const Part message = parse_part(dsn->content);
    EXPECT_EQ(message.headers.at("subject"), row.expect.subject);
    const auto parts = split_multipart(message);
    ASSERT_EQ(parts.size(), 3u);
    EXPECT_EQ(parts[2].headers.at("content-type"), row.expect.returned_type);
    if (row.expect.returned_type == "message/rfc822") {
      EXPECT_EQ(parts[2].body, kContent);
    }
    const auto groups = status_groups(parts[1].body);
    ASSERT_EQ(groups.size(), row.expect.finals.size() + 1);
    for (std::size_t i = 0; i < row.expect.finals.size(); ++i) {
      EXPECT_EQ(groups[i + 1].at("final-recipient"), row.expect.finals[i]);
    }
    for (const auto& [field, value] : row.expect.first_recipient) {
      SCOPED_TRACE(field);
      const auto found = groups[1].find(field);
      if (value.empty()) {
        EXPECT_EQ(found, groups[1].end());
      } else {
        ASSERT_NE(found, groups[1].end());
        EXPECT_EQ(found->second, value);
      }
    }
  }
}

// RFC 8689 §5: a report on a REQUIRETLS message, whatever the failure and whatever RET asks, is
// redacted (no returned message, no header section) and sent without REQUIRETLS; a
// "TLS-Required: No" of the original never carries over to the report.
TEST(Dsn, RequireTlsOfTheOriginalRedactsTheReport) {
  struct Row {
    const char* name;
    bool require_tls;
    bool tls_optional;
    core::DsnRet ret;
    std::string status;
    std::string returned_type;  // empty: no third part
  };
  const Row rows[] = {
      {"plain message: headers returned", false, false, core::DsnRet::hdrs, "5.1.1",
       "text/rfc822-headers"},
      {"REQUIRETLS, REQUIRETLS failure (5.7.30): redacted", true, false, core::DsnRet::hdrs,
       "5.7.30", ""},
      {"REQUIRETLS, another failure: redacted", true, false, core::DsnRet::hdrs, "5.1.1", ""},
      {"REQUIRETLS with RET=FULL: still redacted", true, false, core::DsnRet::full, "5.7.30",
       ""},
      {"TLS-Required: No is not inherited", false, true, core::DsnRet::hdrs, "5.1.1",
       "text/rfc822-headers"},
  };
  for (const auto& row : rows) {
    SCOPED_TRACE(row.name);
    core::Envelope e = original(row.ret);
    e.require_tls = row.require_tls;
    e.tls_optional = row.tls_optional;
    auto dsn = build_dsn(input(e, {failed_bob([&](auto& r) { r.status = row.status; })}));
    ASSERT_TRUE(dsn);
    EXPECT_FALSE(dsn->envelope.require_tls);
    EXPECT_FALSE(dsn->envelope.tls_optional);
    EXPECT_EQ(dsn->envelope.sender, "");  // RFC 3461 §6.2, REQUIRETLS or not
    const auto parts = split_multipart(parse_part(dsn->content));
    EXPECT_EQ(status_groups(parts.at(1).body).at(1).at("status"), row.status);
    if (row.returned_type.empty()) {
      EXPECT_EQ(parts.size(), 2u);
      EXPECT_NE(parts.at(0).body.find("REQUIRETLS"), std::string::npos);
      EXPECT_EQ(dsn->content.find("Subject: hello"), std::string::npos)
          << "nothing of the original's header section";
    } else {
      ASSERT_EQ(parts.size(), 3u);
      EXPECT_EQ(parts[2].headers.at("content-type"), row.returned_type);
    }
  }
}

TEST(Dsn, FullReturnFallsBackToHeadersAboveTheSizeLimit) {
  DsnInput in = input(original(core::DsnRet::full), {failed_bob()});
  in.max_returned_size = kContent.size() - 1;
  auto dsn = build_dsn(in);
  ASSERT_TRUE(dsn);
  const auto parts = split_multipart(parse_part(dsn->content));
  ASSERT_EQ(parts.size(), 3u);
  EXPECT_EQ(parts[2].headers.at("content-type"), "text/rfc822-headers");
}

TEST(Dsn, InternationalisedMessagesUseRfc6533Types) {
  core::Envelope e = original(core::DsnRet::full);
  e.sender = "j\xC3\xB6rg@example.com";
  e.smtputf8 = true;
  DsnRecipient r = failed_bob();
  r.address = "s\xC3\xB8ren@example.net";
  auto dsn = build_dsn(input(e, {r}));
  ASSERT_TRUE(dsn);
  EXPECT_TRUE(dsn->envelope.smtputf8);
  EXPECT_EQ(dsn->envelope.body, core::BodyType::eight_bit_mime);
  EXPECT_EQ(dsn->envelope.recipients[0].address, "j\xC3\xB6rg@example.com");
  const Part message = parse_part(dsn->content);
  EXPECT_EQ(message.headers.at("to"), "<j\xC3\xB6rg@example.com>");
  const auto parts = split_multipart(message);
  ASSERT_EQ(parts.size(), 3u);
  EXPECT_EQ(parts[0].headers.at("content-type"), "text/plain; charset=utf-8");
  EXPECT_EQ(parts[0].headers.at("content-transfer-encoding"), "8bit");
  EXPECT_EQ(parts[1].headers.at("content-type"), "message/global-delivery-status");
  EXPECT_EQ(parts[2].headers.at("content-type"), "message/global");
  const auto groups = status_groups(parts[1].body);
  ASSERT_EQ(groups.size(), 2u);
  EXPECT_EQ(groups[1].at("final-recipient"), "utf-8; s\xC3\xB8ren@example.net");
}

TEST(Dsn, EightBitWithoutSmtputf8IsMaskedInFieldsAndReturnedAs8bit) {
  DsnInput in = input(original(core::DsnRet::full), {failed_bob()});
  const std::string content = "Subject: caf\xC3\xA9\r\n\r\nna\xC3\xAFve\r\n";
  in.content = content;
  in.recipients[0].diagnostic = "550 5.7.1 refus\xC3\xA9";
  auto dsn = build_dsn(in);
  ASSERT_TRUE(dsn);
  EXPECT_FALSE(dsn->envelope.smtputf8);
  EXPECT_EQ(dsn->envelope.body, core::BodyType::eight_bit_mime);
  const auto parts = split_multipart(parse_part(dsn->content));
  ASSERT_EQ(parts.size(), 3u);
  EXPECT_EQ(parts[1].headers.count("content-transfer-encoding"), 0u);
  EXPECT_EQ(status_groups(parts[1].body)[1].at("diagnostic-code"), "smtp; 550 5.7.1 refus??");
  EXPECT_EQ(parts[2].headers.at("content-type"), "message/rfc822");
  EXPECT_EQ(parts[2].headers.at("content-transfer-encoding"), "8bit");
  EXPECT_EQ(parts[2].body, content);
}

TEST(Dsn, BoundaryNeverOccursInTheReturnedMessage) {
  DsnInput in = input(original(core::DsnRet::full), {failed_bob()});
  // The boundary build_dsn would pick first, planted in the message it returns.
  const std::string first = "=_1MCC5RM0005TQKFF.1800000000";
  const std::string content = "Subject: x\r\n\r\n--" + first + "\r\n--" + first + "=0\r\n";
  in.content = content;
  auto dsn = build_dsn(in);
  ASSERT_TRUE(dsn);
  const Part message = parse_part(dsn->content);
  const std::string boundary = boundary_of(message.headers.at("content-type"));
  EXPECT_EQ(content.find("--" + boundary), std::string::npos) << boundary;
  const auto parts = split_multipart(message);
  ASSERT_EQ(parts.size(), 3u);
  EXPECT_EQ(parts[2].body, content);
}

TEST(Dsn, WantsNoticeTruthTable) {
  struct Row {
    std::uint8_t notify;
    DsnAction action;
    bool wanted;
  };
  using core::kNotifyDelay;
  using core::kNotifyFailure;
  using core::kNotifyNever;
  using core::kNotifySuccess;
  const Row rows[] = {
      {0, DsnAction::failed, true},
      {0, DsnAction::delayed, false},
      {0, DsnAction::delivered, false},
      {kNotifyNever, DsnAction::failed, false},
      {kNotifyFailure, DsnAction::failed, true},
      {kNotifyFailure, DsnAction::delayed, false},
      {kNotifyDelay, DsnAction::delayed, true},
      {kNotifyDelay, DsnAction::failed, false},
      {kNotifySuccess, DsnAction::delivered, true},
      {kNotifySuccess, DsnAction::relayed, true},
      {kNotifySuccess, DsnAction::failed, false},
      {kNotifySuccess | kNotifyFailure | kNotifyDelay, DsnAction::delayed, true},
  };
  for (const auto& row : rows) {
    SCOPED_TRACE(std::to_string(row.notify) + " " + std::string(to_string(row.action)));
    EXPECT_EQ(wants_notice(row.notify, row.action), row.wanted);
  }
}

}  // namespace
}  // namespace stsrelay::queue
