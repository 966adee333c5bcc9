#include "smtp/esmtp_params.hpp"

#include <gtest/gtest.h>

#include <limits>
#include <optional>
#include <string_view>

namespace stsrelay::smtp {
namespace {

// Expects what a parse_*_parameters() returned to accept (`code` 0) or to refuse with `code` and,
// when given, `enhanced`. Whether it accepted.
bool expect_verdict(const std::optional<Reply>& err, int code,
                    std::optional<std::string_view> enhanced) {
  if (code == 0) {
    EXPECT_FALSE(err.has_value()) << summary(*err);
    return !err.has_value();
  }
  if (!err) {
    ADD_FAILURE() << "accepted";
    return false;
  }
  EXPECT_EQ(err->code, code);
  if (enhanced) {
    EXPECT_EQ(err->enhanced, *enhanced);
  }
  return false;
}

struct MailRow {
  const char* name;
  std::string text;
  int code;  // 0: accepted
  std::string enhanced;
};

TEST(MailParameters, Table) {
  const MailRow rows[] = {
      {"none", "", 0, ""},
      {"size", "SIZE=1000", 0, ""},
      {"size lower case keyword", "size=1000", 0, ""},
      {"size zero", "SIZE=0", 0, ""},
      {"size 20 digits", "SIZE=99999999999999999999", 0, ""},
      {"size 21 digits", "SIZE=999999999999999999999", 501, "5.5.4"},
      {"size not a number", "SIZE=12a", 501, "5.5.4"},
      {"size negative", "SIZE=-1", 501, "5.5.4"},
      {"size without value", "SIZE", 501, "5.5.4"},
      {"size empty value", "SIZE=", 501, "5.5.4"},
      {"body 7bit", "BODY=7BIT", 0, ""},
      {"body 8bitmime", "BODY=8BITMIME", 0, ""},
      {"body lower case value", "BODY=8bitmime", 0, ""},
      {"body binarymime not offered", "BODY=BINARYMIME", 501, "5.5.4"},
      {"body unknown", "BODY=9BIT", 501, "5.5.4"},
      {"smtputf8", "SMTPUTF8", 0, ""},
      {"smtputf8 with value", "SMTPUTF8=yes", 501, "5.5.4"},
      {"ret full", "RET=FULL", 0, ""},
      {"ret hdrs", "RET=hdrs", 0, ""},
      {"ret bad", "RET=BODY", 501, "5.5.4"},
      {"envid", "ENVID=QQ314159", 0, ""},
      {"envid xtext escape", "ENVID=a+2Bb+3Dc", 0, ""},
      {"envid lower case hex escape", "ENVID=a+2bb", 501, "5.5.4"},
      {"envid truncated escape", "ENVID=ab+2", 501, "5.5.4"},
      {"envid bare plus", "ENVID=a+", 501, "5.5.4"},
      {"envid 100 characters", "ENVID=" + std::string(100, 'x'), 0, ""},
      {"envid 101 characters", "ENVID=" + std::string(101, 'x'), 501, "5.5.4"},
      {"auth null", "AUTH=<>", 0, ""},
      {"auth xtext", "AUTH=user+40example.com", 0, ""},
      {"auth bad xtext", "AUTH=user+4", 501, "5.5.4"},
      {"all together", "SIZE=10 BODY=8BITMIME SMTPUTF8 RET=HDRS ENVID=x AUTH=<>", 0, ""},
      {"several spaces", "SIZE=10    BODY=7BIT", 0, ""},
      {"unknown parameter", "FOO=bar", 555, "5.5.4"},
      {"unknown flag", "XYZZY", 555, "5.5.4"},
      {"rcpt parameter on mail", "NOTIFY=NEVER", 555, "5.5.4"},
      {"duplicate", "SIZE=10 SIZE=20", 501, "5.5.4"},
      {"duplicate different case", "BODY=7BIT body=8BITMIME", 501, "5.5.4"},
      {"keyword starting with hyphen", "-X=1", 501, "5.5.4"},
      {"keyword with underscore", "X_Y=1", 501, "5.5.4"},
      {"equals in value", "ENVID=a=b", 501, "5.5.4"},
      {"control in value", "ENVID=a\x01", 501, "5.5.4"},
      {"empty keyword", "=1", 501, "5.5.4"},
  };
  for (const auto& row : rows) {
    SCOPED_TRACE(row.name);
    MailParameters p;
    expect_verdict(parse_mail_parameters(row.text, p), row.code, row.enhanced);
  }
}

TEST(MailParameters, Values) {
  MailParameters p;
  ASSERT_FALSE(parse_mail_parameters("SIZE=1234 BODY=8BITMIME SMTPUTF8 RET=FULL ENVID=a+2Bb", p));
  EXPECT_EQ(p.size, 1234u);
  EXPECT_EQ(p.body, core::BodyType::eight_bit_mime);
  EXPECT_TRUE(p.smtputf8);
  EXPECT_EQ(p.ret, core::DsnRet::full);
  EXPECT_EQ(p.envid, "a+2Bb");  // kept as xtext for the DSN

  MailParameters huge;
  ASSERT_FALSE(parse_mail_parameters("SIZE=99999999999999999999", huge));
  EXPECT_EQ(huge.size, std::numeric_limits<std::uint64_t>::max());
}

// RFC 8689 §2: REQUIRETLS exists only where the session offered it (over TLS).
struct RequireTlsRow {
  const char* name;
  std::string text;
  bool offered;
  int code;  // 0: accepted
  std::string enhanced;
  bool requiretls;
};

TEST(MailParameters, RequireTls) {
  const RequireTlsRow rows[] = {
      {"offered", "REQUIRETLS", true, 0, "", true},
      {"offered, lower case", "requiretls", true, 0, "", true},
      {"offered, with others", "SIZE=10 REQUIRETLS BODY=8BITMIME", true, 0, "", true},
      {"offered, absent", "SIZE=10", true, 0, "", false},
      {"not offered (no TLS): unknown parameter", "REQUIRETLS", false, 555, "5.5.4", false},
      {"not offered, with others", "SIZE=10 REQUIRETLS", false, 555, "5.5.4", false},
      {"with a value", "REQUIRETLS=YES", true, 501, "5.5.4", false},
      {"repeated", "REQUIRETLS REQUIRETLS", true, 501, "5.5.4", false},
      {"repeated, different case", "REQUIRETLS RequireTLS", true, 501, "5.5.4", false},
      {"repeated, not offered", "REQUIRETLS REQUIRETLS", false, 501, "5.5.4", false},
  };
  for (const auto& row : rows) {
    SCOPED_TRACE(row.name);
    MailParameters p;
    MailContext context;
    context.requiretls_offered = row.offered;
    if (expect_verdict(parse_mail_parameters(row.text, p, context), row.code, row.enhanced)) {
      EXPECT_EQ(p.requiretls, row.requiretls);
    }
  }
  // The default context offers nothing that depends on the session.
  MailParameters p;
  const auto err = parse_mail_parameters("REQUIRETLS", p);
  ASSERT_TRUE(err.has_value());
  EXPECT_EQ(summary(*err), "555 5.5.4 Unsupported parameter REQUIRETLS: offered only after STARTTLS");
}

struct RcptRow {
  const char* name;
  std::string text;
  int code;
  std::uint8_t notify;
  std::string orcpt;
};

TEST(RcptParameters, Table) {
  using core::kNotifyDelay;
  using core::kNotifyFailure;
  using core::kNotifyNever;
  using core::kNotifySuccess;
  const RcptRow rows[] = {
      {"none", "", 0, 0, ""},
      {"notify never", "NOTIFY=NEVER", 0, kNotifyNever, ""},
      {"notify list", "NOTIFY=SUCCESS,FAILURE,DELAY", 0,
       kNotifySuccess | kNotifyFailure | kNotifyDelay, ""},
      {"notify lower case", "notify=failure", 0, kNotifyFailure, ""},
      {"notify never combined", "NOTIFY=NEVER,FAILURE", 501, 0, ""},
      {"notify repeated item", "NOTIFY=FAILURE,FAILURE", 501, 0, ""},
      {"notify empty item", "NOTIFY=FAILURE,", 501, 0, ""},
      {"notify unknown", "NOTIFY=ALWAYS", 501, 0, ""},
      {"notify no value", "NOTIFY", 501, 0, ""},
      {"orcpt", "ORCPT=rfc822;user@example.com", 0, 0, "rfc822;user@example.com"},
      {"orcpt xtext escape", "ORCPT=rfc822;user+2Btag@example.com", 0, 0,
       "rfc822;user+2Btag@example.com"},
      {"orcpt bad xtext", "ORCPT=rfc822;user+zz@example.com", 501, 0, ""},
      {"orcpt no type", "ORCPT=;user@example.com", 501, 0, ""},
      {"orcpt no semicolon", "ORCPT=user@example.com", 501, 0, ""},
      {"orcpt empty address", "ORCPT=rfc822;", 501, 0, ""},
      {"orcpt utf-8 type", "ORCPT=utf-8;j\xc3\xb6rg@example.com", 0, 0,
       "utf-8;j\xc3\xb6rg@example.com"},
      {"orcpt utf-8 embedded unicode", "ORCPT=utf-8;j\\x{F6}rg@example.com", 0, 0,
       "utf-8;j\\x{F6}rg@example.com"},
      {"orcpt utf-8 bad escape", "ORCPT=utf-8;j\\x{}rg@example.com", 501, 0, ""},
      {"orcpt over 500", "ORCPT=rfc822;" + std::string(500, 'a'), 501, 0, ""},
      {"both", "NOTIFY=DELAY ORCPT=rfc822;a@b.example", 0, kNotifyDelay, "rfc822;a@b.example"},
      {"duplicate", "NOTIFY=DELAY NOTIFY=NEVER", 501, 0, ""},
      {"mail parameter on rcpt", "SIZE=10", 555, 0, ""},
  };
  for (const auto& row : rows) {
    SCOPED_TRACE(row.name);
    RcptParameters p;
    if (expect_verdict(parse_rcpt_parameters(row.text, p), row.code, std::nullopt)) {
      EXPECT_EQ(p.notify, row.notify);
      EXPECT_EQ(p.orcpt, row.orcpt);
    }
  }
}

}  // namespace
}  // namespace stsrelay::smtp
