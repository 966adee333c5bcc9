// The TLS-RPT report JSON (RFC 8460 §4.4) built from a table of recorded sessions, read back
// with Boost.JSON and checked field by field; UTC days and RFC 3339 times; the report-id, file
// name (§5.1) and Subject (§5.3); gzip read back with zlib.
#include "tlsrpt/report_json.hpp"
#include "tlsrpt/contact_address.hpp"

#include <gtest/gtest.h>
#include <zlib.h>

#include <algorithm>
#include <cctype>

#include <boost/json.hpp>

#include "tlsrpt/gzip.hpp"
#include "tlsrpt/report_build.hpp"
#include "tlsrpt/report_naming.hpp"

namespace stsrelay::tlsrpt {
namespace {

namespace json = boost::json;
using sts::ResultType;

constexpr std::int64_t kDay = 1726358400;  // 2024-09-15T00:00:00Z

Day day_of(std::int64_t unix) { return utc_day(core::from_unix(unix)); }

const std::vector<std::string> kPolicyLines = {"version: STSv1", "mode: enforce",
                                               "mx: mx1.example.net", "mx: *.example.net",
                                               "max_age: 86400"};
const std::vector<std::string> kMx = {"mx1.example.net", "*.example.net"};

SessionRecord sts_ok(std::int64_t at) {
  SessionRecord r;
  r.when = core::from_unix(at);
  r.policy_domain = "example.net";
  r.policy_type = PolicyType::sts;
  r.policy_string = kPolicyLines;
  r.mx_host = kMx;
  r.sending_mta_ip = "192.0.2.1";
  r.receiving_mx_hostname = "mx1.example.net";
  r.receiving_ip = "198.51.100.7";
  return r;
}

SessionRecord sts_fail(std::int64_t at, ResultType type, std::string reason) {
  SessionRecord r = sts_ok(at);
  r.result_type = type;
  r.failure_reason_code = std::move(reason);
  return r;
}

SessionRecord no_policy(std::int64_t at, std::string domain) {
  SessionRecord r;
  r.when = core::from_unix(at);
  r.policy_domain = std::move(domain);
  r.receiving_mx_hostname = "mx.example.com";
  return r;
}

// One day of sessions of example.net under one policy, plus sessions that must not count in
// its report: the day before and after, and another domain.
Counters sample_counters() {
  std::vector<SessionRecord> sessions;
  for (int i = 0; i < 7; ++i) sessions.push_back(sts_ok(kDay + 60 * i));
  sessions.push_back(sts_ok(kDay + 86399));  // 23:59:59Z: still the day
  for (int i = 0; i < 3; ++i) {
    sessions.push_back(sts_fail(kDay + 3600 + i, ResultType::certificate_expired,
                                "X509_V_ERR_CERT_HAS_EXPIRED"));
  }
  SessionRecord helo = sts_fail(kDay + 7200, ResultType::starttls_not_supported, "");
  helo.receiving_mx_helo = "mx1.example.net";
  helo.additional_information = "https://example.org/tlsrpt/starttls";
  sessions.push_back(helo);
  // The policy could not be fetched and nothing was cached: no-policy-found, with the failure.
  SessionRecord fetch = no_policy(kDay + 100, "example.net");
  fetch.result_type = ResultType::sts_policy_fetch_error;
  fetch.failure_reason_code = "http-status 404";
  sessions.push_back(fetch);
  sessions.push_back(no_policy(kDay + 200, "example.net"));
  sessions.push_back(sts_ok(kDay - 1));           // the day before
  sessions.push_back(sts_ok(kDay + 86400));       // the day after
  sessions.push_back(no_policy(kDay + 5, "example.com"));  // another domain
  Counters counters;
  for (const auto& s : sessions) add_session(counters, s);
  return counters;
}

const ReportMeta kMeta{"Example Org", "mailto:tlsrpt@example.org", "example.org"};

json::object built_report() {
  const DomainDay data = domain_day(sample_counters(), day_of(kDay), "example.net");
  return json::parse(build_report_json(kMeta, data)).as_object();
}

const json::object& policy_of(const json::object& report, std::string_view type) {
  for (const auto& p : report.at("policies").as_array()) {
    if (p.at("policy").at("policy-type").as_string() == type) return p.as_object();
  }
  throw std::runtime_error("no policy of type " + std::string(type));
}

TEST(ReportJson, ContactAddress) {
  const struct {
    const char* configured;
    const char* address;
  } rows[] = {
      {"mailto:tlsrpt@example.org", "tlsrpt@example.org"},
      {"MailTo:tlsrpt@example.org", "tlsrpt@example.org"},
      {"tlsrpt@example.org", "tlsrpt@example.org"},
      {"mailto:", "mailto:"},
      {"", ""},
  };
  for (const auto& row : rows) {
    SCOPED_TRACE(row.configured);
    EXPECT_EQ(contact_address(row.configured), row.address);
  }
}

TEST(ReportJson, Metadata) {
  const json::object r = built_report();
  EXPECT_EQ(r.at("organization-name").as_string(), "Example Org");
  // RFC 8460 §4.4: contact-info is the e-mail address, not the mailto: URI it is configured as.
  EXPECT_EQ(r.at("contact-info").as_string(), "tlsrpt@example.org");
  EXPECT_EQ(r.at("date-range").at("start-datetime").as_string(), "2024-09-15T00:00:00Z");
  EXPECT_EQ(r.at("date-range").at("end-datetime").as_string(), "2024-09-15T23:59:59Z");
  EXPECT_EQ(r.at("report-id").as_string(),
            make_report_id(day_of(kDay), "example.net", "example.org"));
  EXPECT_EQ(r.size(), 5u);  // nothing but the five §4.4 top-level fields
}

TEST(ReportJson, PoliciesIsAnArrayOfEveryPolicyApplied) {
  const json::object r = built_report();
  ASSERT_TRUE(r.at("policies").is_array());  // §4: an array even for one policy
  EXPECT_EQ(r.at("policies").as_array().size(), 2u);
}

TEST(ReportJson, StsPolicyCountsAndFailures) {
  const json::object r = built_report();
  const json::object& p = policy_of(r, "sts");
  const json::object& policy = p.at("policy").as_object();
  EXPECT_EQ(policy.at("policy-domain").as_string(), "example.net");
  const json::array& lines = policy.at("policy-string").as_array();
  ASSERT_EQ(lines.size(), kPolicyLines.size());
  for (std::size_t i = 0; i < lines.size(); ++i) EXPECT_EQ(lines[i].as_string(), kPolicyLines[i]);
  const json::array& mx = policy.at("mx-host").as_array();
  ASSERT_EQ(mx.size(), 2u);
  EXPECT_EQ(mx[0].as_string(), "mx1.example.net");
  EXPECT_EQ(mx[1].as_string(), "*.example.net");

  const json::object& summary = p.at("summary").as_object();
  ASSERT_TRUE(summary.at("total-successful-session-count").is_int64());
  EXPECT_EQ(summary.at("total-successful-session-count").as_int64(), 8);
  EXPECT_EQ(summary.at("total-failure-session-count").as_int64(), 4);

  const json::array& details = p.at("failure-details").as_array();
  ASSERT_EQ(details.size(), 2u);
  std::int64_t sum = 0;
  for (const auto& d : details) sum += d.at("failed-session-count").as_int64();
  EXPECT_EQ(sum, summary.at("total-failure-session-count").as_int64());

  // In result-type order: starttls-not-supported before certificate-expired (enum order).
  const json::object& starttls = details[0].as_object();
  EXPECT_EQ(starttls.at("result-type").as_string(), "starttls-not-supported");
  EXPECT_EQ(starttls.at("sending-mta-ip").as_string(), "192.0.2.1");
  EXPECT_EQ(starttls.at("receiving-mx-hostname").as_string(), "mx1.example.net");
  EXPECT_EQ(starttls.at("receiving-mx-helo").as_string(), "mx1.example.net");
  EXPECT_EQ(starttls.at("receiving-ip").as_string(), "198.51.100.7");
  EXPECT_EQ(starttls.at("additional-information").as_string(),
            "https://example.org/tlsrpt/starttls");
  EXPECT_EQ(starttls.at("failed-session-count").as_int64(), 1);
  EXPECT_FALSE(starttls.contains("failure-reason-code"));  // empty: left out

  const json::object& expired = details[1].as_object();
  EXPECT_EQ(expired.at("result-type").as_string(), "certificate-expired");
  EXPECT_EQ(expired.at("failure-reason-code").as_string(), "X509_V_ERR_CERT_HAS_EXPIRED");
  EXPECT_EQ(expired.at("failed-session-count").as_int64(), 3);
  EXPECT_FALSE(expired.contains("receiving-mx-helo"));
  EXPECT_FALSE(expired.contains("additional-information"));
}

TEST(ReportJson, NoPolicyFoundOmitsPolicyStringAndMxHost) {
  const json::object r = built_report();
  const json::object& p = policy_of(r, "no-policy-found");
  const json::object& policy = p.at("policy").as_object();
  EXPECT_EQ(policy.at("policy-domain").as_string(), "example.net");
  EXPECT_FALSE(policy.contains("policy-string"));
  EXPECT_FALSE(policy.contains("mx-host"));
  EXPECT_EQ(p.at("summary").at("total-successful-session-count").as_int64(), 1);
  EXPECT_EQ(p.at("summary").at("total-failure-session-count").as_int64(), 1);
  const json::array& details = p.at("failure-details").as_array();
  ASSERT_EQ(details.size(), 1u);
  EXPECT_EQ(details[0].at("result-type").as_string(), "sts-policy-fetch-error");
  EXPECT_EQ(details[0].at("failure-reason-code").as_string(), "http-status 404");
  EXPECT_EQ(details[0].at("receiving-mx-hostname").as_string(), "mx.example.com");
  EXPECT_FALSE(details[0].as_object().contains("sending-mta-ip"));
}

TEST(ReportJson, OnlySuccessesHaveNoFailureDetails) {
  Counters counters;
  add_session(counters, sts_ok(kDay));
  const auto r = json::parse(build_report_json(kMeta, domain_day(counters, day_of(kDay),
                                                                 "example.net")));
  const auto& p = r.at("policies").as_array().at(0).as_object();
  EXPECT_FALSE(p.contains("failure-details"));
  EXPECT_EQ(p.at("summary").at("total-successful-session-count").as_int64(), 1);
  EXPECT_EQ(p.at("summary").at("total-failure-session-count").as_int64(), 0);
}

TEST(ReportJson, DayWithoutSessionsHasEmptyPolicies) {
  const auto r = json::parse(
      build_report_json(kMeta, domain_day(sample_counters(), day_of(kDay), "example.invalid")));
  EXPECT_TRUE(r.at("policies").as_array().empty());
}

TEST(Counters, MergeAddsEveryCount) {
  Counters a = sample_counters();
  Counters b = sample_counters();
  merge_counters(a, b);
  const DomainDay d = domain_day(a, day_of(kDay), "example.net");
  ASSERT_EQ(d.policies.size(), 2u);
  const PolicyTotals& sts = d.policies[0].policy.type == PolicyType::sts ? d.policies[0]
                                                                         : d.policies[1];
  EXPECT_EQ(sts.successful, 16);
  EXPECT_EQ(sts.failed, 8);
  EXPECT_EQ(sts.failures.size(), 2u);
}

TEST(Counters, PolicyTypeTokens) {
  for (PolicyType t : {PolicyType::sts, PolicyType::tlsa, PolicyType::no_policy_found}) {
    EXPECT_EQ(parse_policy_type(to_string(t)), t);
  }
  EXPECT_EQ(to_string(PolicyType::no_policy_found), "no-policy-found");
  EXPECT_FALSE(parse_policy_type("STS"));
}

TEST(ReportDay, Table) {
  struct Row {
    std::int64_t at;
    const char* day;
    const char* begin;
    const char* end;
  };
  const Row rows[] = {
      {kDay, "2024-09-15", "2024-09-15T00:00:00Z", "2024-09-15T23:59:59Z"},
      {kDay + 86399, "2024-09-15", "2024-09-15T00:00:00Z", "2024-09-15T23:59:59Z"},
      {kDay - 1, "2024-09-14", "2024-09-14T00:00:00Z", "2024-09-14T23:59:59Z"},
      {951782400, "2000-02-29", "2000-02-29T00:00:00Z", "2000-02-29T23:59:59Z"},  // leap day
      {0, "1970-01-01", "1970-01-01T00:00:00Z", "1970-01-01T23:59:59Z"},
  };
  for (const Row& row : rows) {
    SCOPED_TRACE(row.day);
    const Day d = day_of(row.at);
    EXPECT_EQ(format_day(d), row.day);
    EXPECT_EQ(format_rfc3339(day_begin(d)), row.begin);
    EXPECT_EQ(format_rfc3339(day_end(d)), row.end);
    auto parsed = parse_day(row.day);
    ASSERT_TRUE(parsed.ok());
    EXPECT_EQ(*parsed, d);
  }
  EXPECT_EQ(format_rfc3339(core::from_unix(kDay + 3723)), "2024-09-15T01:02:03Z");
}

TEST(ReportDay, ParseRejects) {
  for (const char* bad : {"", "2024-9-15", "2024-09-31", "2023-02-29", "2024/09/15",
                          "2024-09-15T00:00:00Z", "20240915", "+024-09-15", "2024-13-01"}) {
    SCOPED_TRACE(bad);
    EXPECT_FALSE(parse_day(bad).ok());
  }
}

TEST(ReportNaming, ReportIdIsMsgIdStyleAndStable) {
  const std::string id = make_report_id(day_of(kDay), "example.net", "example.org");
  EXPECT_EQ(id.find("2024-09-15.example.net."), 0u);
  EXPECT_EQ(id.size(), std::string("2024-09-15.example.net.").size() + 16 + 12);
  EXPECT_EQ(id.substr(id.size() - 12), "@example.org");
  EXPECT_EQ(std::count(id.begin(), id.end(), '@'), 1);
  EXPECT_EQ(id, make_report_id(day_of(kDay), "example.net", "example.org"));
  EXPECT_NE(id, make_report_id(day_of(kDay + 86400), "example.net", "example.org"));
  EXPECT_NE(id, make_report_id(day_of(kDay), "example.com", "example.org"));
  EXPECT_NE(id, make_report_id(day_of(kDay), "example.net", "example.com"));
}

TEST(ReportNaming, FilenameFollowsSection51) {
  const std::string name = report_filename(day_of(kDay), "example.net", "example.org");
  const std::string id = make_report_id(day_of(kDay), "example.net", "example.org");
  const std::string hash = id.substr(std::string("2024-09-15.example.net.").size(), 16);
  EXPECT_EQ(name, "example.org!example.net!1726358400!1726444799!" + hash + ".json.gz");
  for (char c : hash) EXPECT_TRUE(std::isalnum(static_cast<unsigned char>(c)));
}

TEST(ReportNaming, SubjectFollowsSection53) {
  EXPECT_EQ(report_subject("example.net", "example.org", "r1@example.org"),
            "Report Domain: example.net Submitter: example.org Report-ID: <r1@example.org>");
}

std::string gunzip(const std::string& data) {
  z_stream z{};
  EXPECT_EQ(inflateInit2(&z, 15 + 16), Z_OK);  // gzip wrapper only
  z.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(data.data()));
  z.avail_in = static_cast<uInt>(data.size());
  std::string out;
  char buf[4096];
  int rc;
  do {
    z.next_out = reinterpret_cast<Bytef*>(buf);
    z.avail_out = sizeof buf;
    rc = inflate(&z, Z_NO_FLUSH);
    out.append(buf, sizeof buf - z.avail_out);
  } while (rc == Z_OK);
  EXPECT_EQ(rc, Z_STREAM_END);
  EXPECT_EQ(z.avail_in, 0u);  // one member, nothing after it
  inflateEnd(&z);
  return out;
}

TEST(Gzip, RoundTripOfAReport) {
  const DomainDay data = domain_day(sample_counters(), day_of(kDay), "example.net");
  const std::string report = build_report_json(kMeta, data);
  auto packed = gzip_compress(report);
  ASSERT_TRUE(packed.ok()) << packed.error().message;
  ASSERT_GE(packed->size(), 18u);
  EXPECT_EQ(static_cast<unsigned char>((*packed)[0]), 0x1f);  // RFC 1952 ID1, ID2
  EXPECT_EQ(static_cast<unsigned char>((*packed)[1]), 0x8b);
  EXPECT_EQ(gunzip(*packed), report);
}

TEST(Gzip, EmptyAndLargeInputs) {
  for (const std::string& in : {std::string(), std::string(1 << 20, 'x')}) {
    auto packed = gzip_compress(in);
    ASSERT_TRUE(packed.ok());
    EXPECT_EQ(gunzip(*packed), in);
  }
}

TEST(ReportBuild, NamesAgreeWithTheJson) {
  const DomainDay data = domain_day(sample_counters(), day_of(kDay), "example.net");
  const core::SysTime now = core::from_unix(kDay + 86400 + 1800);
  const BuiltReport built = build_report(kMeta, data, now);
  const json::object r = json::parse(built.stored.json).as_object();
  EXPECT_EQ(r.at("report-id").as_string(), built.stored.id);
  EXPECT_EQ(built.stored.day, day_of(kDay));
  EXPECT_EQ(built.stored.policy_domain, "example.net");
  EXPECT_EQ(built.stored.created_at, now);
  EXPECT_EQ(built.filename, report_filename(day_of(kDay), "example.net", "example.org"));
  EXPECT_EQ(built.subject, "Report Domain: example.net Submitter: example.org Report-ID: <" +
                               built.stored.id + ">");
  // Built again later (a retry, a send by hand): the same names and the same JSON.
  const BuiltReport again = build_report(kMeta, data, now + std::chrono::hours(5));
  EXPECT_EQ(again.stored.id, built.stored.id);
  EXPECT_EQ(again.filename, built.filename);
  EXPECT_EQ(again.stored.json, built.stored.json);
}

}  // namespace
}  // namespace stsrelay::tlsrpt
