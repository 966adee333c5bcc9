// The TLS-RPT report mail (RFC 8460 §5.3): its fields, MIME structure and attachment read back
// by a small parser here, the DKIM signature checked by the independent verifier for both key
// types, mailto: URIs (RFC 6068), RFC 5322 dates, and the inputs it refuses.
#include "tlsrpt/report_mail.hpp"

#include <gtest/gtest.h>

#include <map>

#include "dkim_test_keys.hpp"
#include "dkim_test_verifier.hpp"
#include "src/dkim/dns_record.hpp"
#include "tlsrpt/gzip.hpp"

namespace stsrelay::tlsrpt {
namespace {

namespace test = dkim::test;
using dkim::DkimKey;
using dkim::SigningKeys;
using dkim::dkim_txt_value;

// A report-sized JSON text, so the attachment spans many base64 lines.
std::string report_json() {
  std::string json = R"({"organization-name":"Example Org","report-id":"r1@example.org","policies":[)";
  for (int i = 0; i < 60; ++i) {
    json += (i ? "," : "") + std::string(R"({"failure-details":[{"sending-mta-ip":"192.0.2.)") +
            std::to_string(i) + R"(","failed-session-count":)" + std::to_string(i * 7) + "}]}";
  }
  return json + "]}";
}

ReportMail sample() {
  ReportMail m;
  m.policy_domain = "example.net";
  m.submitter = "example.org";
  m.report_id = "2024-09-15T00:00:00Z.example.net@example.org";
  m.range_begin = core::from_unix(1726358400);  // 2024-09-15T00:00:00Z
  m.range_end = core::from_unix(1726444799);    // 2024-09-15T23:59:59Z
  m.filename = "example.org!example.net!1726358400!1726444799!7f3a.json.gz";
  m.gzipped_report = gzip_compress(report_json()).value();
  m.from = "tlsrpt-noreply@example.org";
  m.to = "tlsrpt@example.net";
  m.date = core::from_unix(1726446600);  // 2024-09-16T00:30:00Z
  m.message_id = "tlsrpt.7f3a@example.org";
  return m;
}

struct Part {
  std::map<std::string, std::string> fields;  // lower-case name -> unfolded value
  std::string body;
};

// Header fields (unfolded, the first of each name) and body of an entity.
Part parse_entity(const std::string& text) {
  Part p;
  const auto blank = text.find("\r\n\r\n");
  const std::string head = text.substr(0, blank + 2);
  p.body = text.substr(blank + 4);
  std::string current;
  auto flush = [&] {
    if (current.empty()) return;
    const auto colon = current.find(':');
    std::string name = current.substr(0, colon);
    for (char& c : name) c = char(std::tolower(static_cast<unsigned char>(c)));
    std::string value = current.substr(colon + 1);
    while (!value.empty() && value[0] == ' ') value.erase(0, 1);
    p.fields.emplace(name, value);
    current.clear();
  };
  for (std::size_t pos = 0; pos < head.size();) {
    const auto eol = head.find("\r\n", pos);
    const std::string line = head.substr(pos, eol - pos);
    if (!line.empty() && (line[0] == ' ' || line[0] == '\t')) {
      current += line;  // unfolding removes only the CRLF
    } else {
      flush();
      current = line;
    }
    pos = eol + 2;
  }
  flush();
  return p;
}

std::string param(const std::string& value, const std::string& name) {
  const auto pos = value.find(name + "=\"");
  if (pos == std::string::npos) return {};
  const auto start = pos + name.size() + 2;
  return value.substr(start, value.find('"', start) - start);
}

std::vector<Part> parts_of(const Part& top) {
  const std::string boundary = param(top.fields.at("content-type"), "boundary");
  std::vector<Part> parts;
  const std::string delimiter = "\r\n--" + boundary;
  auto pos = top.body.find(delimiter);
  while (pos != std::string::npos) {
    const auto start = pos + delimiter.size();
    if (top.body.compare(start, 2, "--") == 0) break;  // close delimiter
    const auto next = top.body.find(delimiter, start);
    parts.push_back(parse_entity(top.body.substr(start + 2, next - start - 2)));
    pos = next;
  }
  return parts;
}

std::string unbase64(const std::string& body) {
  std::string joined;
  for (char c : body) {
    if (c != '\r' && c != '\n') joined += c;
  }
  return test::detail::b64decode(joined);
}

TEST(ReportMail, FieldsAndStructure) {
  const ReportMail m = sample();
  auto mail = compose_report_mail(m);
  ASSERT_TRUE(mail) << mail.error().message;
  const Part top = parse_entity(*mail);
  const std::map<std::string, std::string> want = {
      {"from", "tlsrpt-noreply@example.org"},
      {"to", "tlsrpt@example.net"},
      {"subject",
       "Report Domain: example.net Submitter: example.org "
       "Report-ID: <2024-09-15T00:00:00Z.example.net@example.org>"},
      {"date", "Mon, 16 Sep 2024 00:30:00 +0000"},
      {"message-id", "<tlsrpt.7f3a@example.org>"},
      {"mime-version", "1.0"},
      {"tls-report-domain", "example.net"},
      {"tls-report-submitter", "example.org"},
      {"auto-submitted", "auto-generated"},
      {"tls-required", "No"},
  };
  for (const auto& [name, value] : want) {
    SCOPED_TRACE(name);
    ASSERT_EQ(top.fields.count(name), 1u);
    EXPECT_EQ(top.fields.at(name), value);
  }
  const std::string content_type = top.fields.at("content-type");
  EXPECT_EQ(content_type.rfind("multipart/report; report-type=\"tlsrpt\"; boundary=\"", 0), 0u)
      << content_type;

  const auto parts = parts_of(top);
  ASSERT_EQ(parts.size(), 2u);
  EXPECT_EQ(parts[0].fields.at("content-type"), "text/plain; charset=\"us-ascii\"");
  EXPECT_EQ(parts[0].fields.at("content-transfer-encoding"), "7bit");
  EXPECT_NE(parts[0].body.find("This is an aggregate TLS report from example.org."),
            std::string::npos);
  EXPECT_NE(parts[0].body.find("Period: 2024-09-15T00:00:00Z to 2024-09-15T23:59:59Z"),
            std::string::npos);
  EXPECT_NE(parts[0].body.find(m.filename), std::string::npos);

  EXPECT_EQ(parts[1].fields.at("content-type"),
            "application/tlsrpt+gzip; name=\"" + m.filename + "\"");
  EXPECT_EQ(parts[1].fields.at("content-transfer-encoding"), "base64");
  EXPECT_EQ(parts[1].fields.at("content-disposition"),
            "attachment; filename=\"" + m.filename + "\"");
  EXPECT_EQ(unbase64(parts[1].body), m.gzipped_report);
}

TEST(ReportMail, LinesAndEndings) {
  auto mail = compose_report_mail(sample());
  ASSERT_TRUE(mail) << mail.error().message;
  const std::string& text = *mail;
  ASSERT_GE(text.size(), 2u);
  EXPECT_EQ(text.substr(text.size() - 2), "\r\n");
  const Part top = parse_entity(text);
  const auto attachment = parts_of(top).at(1).body;
  std::size_t base64_lines = 0;
  for (std::size_t pos = 0; pos < text.size();) {
    const auto eol = text.find("\r\n", pos);
    ASSERT_NE(eol, std::string::npos);
    const std::string line = text.substr(pos, eol - pos);
    EXPECT_EQ(line.find_first_of("\r\n"), std::string::npos) << "bare CR or LF: " << line;
    EXPECT_LE(line.size(), 78u) << line;
    pos = eol + 2;
  }
  for (std::size_t pos = 0; pos < attachment.size();) {
    auto eol = attachment.find("\r\n", pos);
    if (eol == std::string::npos) eol = attachment.size();
    const std::size_t len = eol - pos;
    const bool last = eol + 2 >= attachment.size();
    if (!last) {
      EXPECT_EQ(len, 76u) << "RFC 2045 §6.8: full base64 lines are 76 characters";
    }
    EXPECT_LE(len, 76u);
    ++base64_lines;
    pos = eol + 2;
  }
  EXPECT_GT(base64_lines, 2u);
}

TEST(ReportMail, SignedWithEitherKeyVerifies) {
  for (const DkimKey* key : {&test::rsa_key(), &test::ed25519_key()}) {
    SCOPED_TRACE(std::string(to_string(key->type())));
    auto mail = build_report_mail(sample(), *key, "tlsrpt");
    ASSERT_TRUE(mail) << mail.error().message;
    ASSERT_EQ(mail->rfind("DKIM-Signature: v=1; a=" + std::string(key->algorithm()), 0), 0u);
    const auto verdict = test::verify_dkim(*mail, dkim_txt_value(*key, true));
    ASSERT_TRUE(verdict.ok) << verdict.reason;
    EXPECT_EQ(verdict.tags.at("d"), "example.org");
    EXPECT_EQ(verdict.tags.at("s"), "tlsrpt");
    EXPECT_EQ(verdict.tags.at("t"), "1726446600");
    EXPECT_EQ(verdict.tags.count("l"), 0u);
    const std::string h = ":" + verdict.tags.at("h") + ":";
    for (const char* name : {"from", "to", "subject", "date", "message-id", "mime-version",
                             "content-type", "tls-report-domain", "tls-report-submitter"}) {
      EXPECT_NE(h.find(std::string(":") + name + ":"), std::string::npos) << name;
    }
    // The signed message is the unsigned one with the field in front.
    EXPECT_EQ(mail->substr(mail->find("\r\nFrom: ") + 2), *compose_report_mail(sample()));
  }
}

TEST(ReportMail, SignedWithTheRelayKeysOfTheSubmitterDomain) {
  auto keys = SigningKeys::make({{"example.org", "s-rsa", test::rsa_key(), "rsa.pem"},
                                 {"example.org", "s-ed", test::ed25519_key(), "ed.pem"},
                                 {"example.net", "other", test::rsa_key(), "other.pem"}});
  ASSERT_TRUE(keys) << keys.error().message;
  auto mail = build_report_mail(sample(), *keys);
  ASSERT_TRUE(mail) << mail.error().message;
  // Two signatures, RSA first; each verifies once the ones before it are taken off.
  const auto verdict = test::verify_dkim(*mail, dkim_txt_value(test::rsa_key(), false));
  ASSERT_TRUE(verdict.ok) << verdict.reason;
  EXPECT_EQ(verdict.tags.at("s"), "s-rsa");
  const std::string second = mail->substr(mail->find("\r\nDKIM-Signature:") + 2);
  const auto ed = test::verify_dkim(second, dkim_txt_value(test::ed25519_key(), false));
  ASSERT_TRUE(ed.ok) << ed.reason;
  EXPECT_EQ(ed.tags.at("s"), "s-ed");

  ReportMail elsewhere = sample();
  elsewhere.submitter = "example.com";
  auto refused = build_report_mail(elsewhere, *keys);
  ASSERT_FALSE(refused);
  EXPECT_EQ(refused.error().message,
            "no [[dkim.sign]] key for example.com and no tlsrpt.dkim_key_file: mail reports must "
            "be DKIM-signed");
}

TEST(ReportMail, SameInputSameBytes) {
  auto a = build_report_mail(sample(), test::ed25519_key(), "tlsrpt");
  auto b = build_report_mail(sample(), test::ed25519_key(), "tlsrpt");
  ASSERT_TRUE(a);
  ASSERT_TRUE(b);
  EXPECT_EQ(*a, *b);
  ReportMail other = sample();
  other.message_id = "tlsrpt.other@example.org";
  const auto c = compose_report_mail(other);
  ASSERT_TRUE(c);
  EXPECT_NE(param(parse_entity(*c).fields.at("content-type"), "boundary"),
            param(parse_entity(*a).fields.at("content-type"), "boundary"));
}

TEST(ReportMail, LongNamesFoldAndStayWhole) {
  ReportMail m = sample();
  m.policy_domain = std::string(60, 'p') + ".example.net";
  m.submitter = std::string(60, 's') + ".example.org";
  m.filename = m.submitter + "!" + m.policy_domain + "!1726358400!1726444799!7f3a.json.gz";
  auto mail = compose_report_mail(m);
  ASSERT_TRUE(mail) << mail.error().message;
  const Part top = parse_entity(*mail);
  EXPECT_EQ(top.fields.at("subject"), "Report Domain: " + m.policy_domain + " Submitter: " +
                                          m.submitter + " Report-ID: <" + m.report_id + ">");
  const auto parts = parts_of(top);
  ASSERT_EQ(parts.size(), 2u);
  EXPECT_EQ(param(parts[1].fields.at("content-disposition"), "filename"), m.filename);
  EXPECT_EQ(param(parts[1].fields.at("content-type"), "name"), m.filename);
  for (std::size_t pos = 0; pos < mail->size();) {
    const auto eol = mail->find("\r\n", pos);
    EXPECT_LE(eol - pos, 998u);
    pos = eol + 2;
  }
}

TEST(ReportMail, RefusedInputs) {
  struct Row {
    const char* name;
    std::function<void(ReportMail&)> change;
    std::string_view error;
  };
  const std::vector<Row> rows = {
      {"CRLF in the policy domain", [](ReportMail& m) { m.policy_domain = "a.net\r\nBcc: x"; },
       "policy domain"},
      {"empty submitter", [](ReportMail& m) { m.submitter = ""; }, "submitter"},
      {"report-id without @", [](ReportMail& m) { m.report_id = "12345"; }, "report-id"},
      {"report-id with angle brackets", [](ReportMail& m) { m.report_id = "<a@b>"; },
       "report-id"},
      {"report-id with a space", [](ReportMail& m) { m.report_id = "a b@c"; }, "report-id"},
      {"Message-ID with LF", [](ReportMail& m) { m.message_id = "a@b\nX: y"; }, "Message-ID"},
      {"From without @", [](ReportMail& m) { m.from = "tlsrpt"; }, "From"},
      {"To with a display name", [](ReportMail& m) { m.to = "Reports <r@example.net>"; }, "To"},
      {"To with CRLF", [](ReportMail& m) { m.to = "r@example.net\r\nBcc: x@y"; }, "To"},
      {"file name with a quote", [](ReportMail& m) { m.filename = "a\".json.gz"; }, "file name"},
      {"empty file name", [](ReportMail& m) { m.filename = ""; }, "file name"},
      {"plain JSON attachment", [](ReportMail& m) { m.gzipped_report = report_json(); },
       "not gzip data"},
      {"empty attachment", [](ReportMail& m) { m.gzipped_report = ""; }, "not gzip data"},
  };
  for (const auto& row : rows) {
    SCOPED_TRACE(row.name);
    ReportMail m = sample();
    row.change(m);
    auto mail = build_report_mail(m, test::ed25519_key(), "tlsrpt");
    ASSERT_FALSE(mail);
    EXPECT_EQ(mail.error().kind, core::ErrorKind::invalid);
    EXPECT_NE(mail.error().message.find(row.error), std::string::npos) << mail.error().message;
  }
  auto bad_selector = build_report_mail(sample(), test::ed25519_key(), "bad selector");
  ASSERT_FALSE(bad_selector);
  EXPECT_NE(bad_selector.error().message.find("s="), std::string::npos);
}

TEST(ReportMail, MailtoRecipient) {
  struct Row {
    const char* name;
    std::string_view uri;
    std::string_view address;  // "" when refused
  };
  const std::vector<Row> rows = {
      {"plain", "mailto:tlsrpt@example.net", "tlsrpt@example.net"},
      {"scheme in capitals", "MAILTO:tlsrpt@example.net", "tlsrpt@example.net"},
      {"query removed (RFC 6068)", "mailto:tlsrpt@example.net?subject=report",
       "tlsrpt@example.net"},
      {"percent-escape decoded", "mailto:tls%2Drpt@example.net", "tls-rpt@example.net"},
      {"plus and dots", "mailto:reports+tls.rpt@mx.example.net", "reports+tls.rpt@mx.example.net"},
      {"https is not mailto", "https://reports.example.net/tlsrpt", ""},
      {"no address", "mailto:", ""},
      {"only a query", "mailto:?to=a@example.net", ""},
      {"no @", "mailto:tlsrpt", ""},
      {"two @", "mailto:a@b@example.net", ""},
      {"two addresses", "mailto:a@example.net%2Cb@example.net", ""},
      {"escaped CRLF", "mailto:a@example.net%0D%0ABcc:x@example.com", ""},
      {"space", "mailto:a b@example.net", ""},
      {"bad escape", "mailto:a%zz@example.net", ""},
      {"truncated escape", "mailto:a@example.net%2", ""},
  };
  for (const auto& row : rows) {
    SCOPED_TRACE(row.name);
    auto address = mailto_recipient(row.uri);
    if (row.address.empty()) {
      EXPECT_FALSE(address) << *address;
    } else {
      ASSERT_TRUE(address) << address.error().message;
      EXPECT_EQ(*address, row.address);
    }
  }
}

}  // namespace
}  // namespace stsrelay::tlsrpt
