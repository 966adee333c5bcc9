// Cross-check with a second implementation: dkimpy (Debian python3-dkim) verifies what the
// signer and the report mail produce, for RSA and Ed25519, with a plain key record and with
// s=tlsrpt in its strict TLS-RPT mode (RFC 8460); Python's email parser reads the report mail
// and gunzips the attachment. Skipped, saying so, where python3-dkim is not installed.
#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <fstream>

#include "dkim_test_keys.hpp"
#include "src/dkim/dns_record.hpp"
#include "src/dkim/signer.hpp"
#include "tlsrpt/report_mail.hpp"
#include "tlsrpt/gzip.hpp"

namespace stsrelay::tlsrpt {
namespace {

namespace test = dkim::test;
using dkim::DkimKey;
using dkim::dkim_signature;
using dkim::dkim_txt_value;

// argv: message file, TXT record file, "email" or "strict", expected DNS name[, file name].
constexpr std::string_view kVerifier = R"(import sys, dkim, email, gzip
msg = open(sys.argv[1], 'rb').read()
txt = open(sys.argv[2], 'rb').read()
want = sys.argv[4]
def dns(name, timeout=5):
    name = name.decode() if isinstance(name, bytes) else name
    return txt if name.rstrip('.') == want else None
ok = dkim.verify(msg, dnsfunc=dns, tlsrpt=('strict' if sys.argv[3] == 'strict' else False))
if not ok:
    print('dkimpy: signature does not verify')
    sys.exit(1)
if len(sys.argv) > 5:
    m = email.message_from_bytes(msg)
    assert m.get_content_type() == 'multipart/report', m.get_content_type()
    assert m.get_param('report-type') == 'tlsrpt'
    assert m['TLS-Report-Domain'] and m['TLS-Report-Submitter']
    text, attachment = m.get_payload()
    assert text.get_content_type() == 'text/plain'
    assert attachment.get_content_type() == 'application/tlsrpt+gzip'
    assert attachment.get_filename() == sys.argv[5], attachment.get_filename()
    sys.stdout.write(gzip.decompress(attachment.get_payload(decode=True)).decode())
)";

// The interpreter that has dkimpy (Debian's is /usr/bin/python3; PATH may hold another).
std::string python_with_dkimpy() {
  for (const char* python : {"/usr/bin/python3", "python3"}) {
    const std::string probe = std::string(python) + " -c 'import dkim, nacl' >/dev/null 2>&1";
    if (std::system(probe.c_str()) == 0) return python;
  }
  return {};
}

class Dkimpy : public ::testing::Test {
 protected:
  void SetUp() override {
    python_ = python_with_dkimpy();
    if (python_.empty()) {
      GTEST_SKIP() << "python3-dkim is not installed; scripts/setup installs it";
    }
    dir_ = std::filesystem::temp_directory_path() /
           ("stsrelay-dkimpy-" + std::to_string(::getpid()));
    std::filesystem::create_directories(dir_);
    write("verify.py", std::string(kVerifier));
  }
  void TearDown() override {
    if (!dir_.empty()) std::filesystem::remove_all(dir_);
  }
  std::string write(const std::string& name, const std::string& text) {
    const auto path = dir_ / name;
    std::ofstream(path, std::ios::binary) << text;
    return path.string();
  }
  struct Run {
    int status;
    std::string output;
  };
  // dkimpy's verdict on `message` with `record` published at <selector>._domainkey.<domain>.
  Run verify(const std::string& message, const std::string& record, bool strict,
             const std::string& filename = "") {
    const std::string cmd = python_ + " " + (dir_ / "verify.py").string() + " " +
                            write("message.eml", message) + " " + write("record.txt", record) +
                            (strict ? " strict" : " email") + " tlsrpt._domainkey.example.org" +
                            (filename.empty() ? "" : " '" + filename + "'") + " 2>&1";
    Run run{-1, {}};
    FILE* pipe = ::popen(cmd.c_str(), "r");
    if (pipe == nullptr) return run;
    char buf[4096];
    for (std::size_t n; (n = std::fread(buf, 1, sizeof buf, pipe)) > 0;) run.output.append(buf, n);
    run.status = ::pclose(pipe);
    return run;
  }
  std::string python_;
  std::filesystem::path dir_;
};

constexpr std::string_view kPlain =
    "From: Postmaster <postmaster@example.org>\r\n"
    "To: someone@example.net\r\n"
    "Subject: a folded\r\n"
    "\tsubject   with  spaces\r\n"
    "Date: Mon, 16 Sep 2024 00:30:00 +0000\r\n"
    "Message-ID: <plain.1@example.org>\r\n"
    "\r\n"
    "Body line with trailing space \r\n"
    "\r\n"
    "\r\n";

TEST_F(Dkimpy, VerifiesSignedMessages) {
  for (const DkimKey* key : {&test::rsa_key(), &test::ed25519_key()}) {
    SCOPED_TRACE(std::string(to_string(key->type())));
    auto field = dkim_signature(kPlain, *key,
                                {"example.org", "tlsrpt", report_signed_headers(),
                                 core::from_unix(1726446600)});
    ASSERT_TRUE(field) << field.error().message;
    const std::string message = *field + std::string(kPlain);
    const auto good = verify(message, dkim_txt_value(*key, false), false);
    EXPECT_EQ(good.status, 0) << good.output;
    // The harness can fail: a changed body does not verify.
    const auto bad = verify(message + "tampered\r\n", dkim_txt_value(*key, false), false);
    EXPECT_NE(bad.status, 0) << bad.output;
  }
}

TEST_F(Dkimpy, VerifiesAndParsesTheReportMail) {
  const std::string json = R"({"organization-name":"Example Org","policies":[]})";
  ReportMail m;
  m.policy_domain = "example.net";
  m.submitter = "example.org";
  m.report_id = "2024-09-15.example.net@example.org";
  m.range_begin = core::from_unix(1726358400);
  m.range_end = core::from_unix(1726444799);
  m.filename = "example.org!example.net!1726358400!1726444799!1.json.gz";
  m.gzipped_report = gzip_compress(json).value();
  m.from = "tlsrpt-noreply@example.org";
  m.to = "tlsrpt@example.net";
  m.date = core::from_unix(1726446600);
  m.message_id = "tlsrpt.1@example.org";
  for (const DkimKey* key : {&test::rsa_key(), &test::ed25519_key()}) {
    for (const bool strict : {false, true}) {
      SCOPED_TRACE(std::string(to_string(key->type())) + (strict ? " s=tlsrpt strict" : ""));
      auto mail = build_report_mail(m, *key, "tlsrpt");
      ASSERT_TRUE(mail) << mail.error().message;
      const auto run = verify(*mail, dkim_txt_value(*key, strict), strict, m.filename);
      EXPECT_EQ(run.status, 0) << run.output;
      EXPECT_EQ(run.output, json);
    }
  }
}

}  // namespace
}  // namespace stsrelay::tlsrpt
