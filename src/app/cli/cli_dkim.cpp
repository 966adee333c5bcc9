// `stsrelay dkim keygen [--type rsa|ed25519] [--bits N] [--selector S] [--domain D]
// [--tlsrpt-only] --out FILE`: makes the private key TLS-RPT report mails are DKIM-signed with
// (RFC 8460 §5.3; RSA per RFC 6376, Ed25519 per RFC 8463), writes it to FILE as PKCS#8 PEM with
// mode 0600 (never over an existing file), and prints on stdout the DNS TXT record to publish:
//   S._domainkey.D. IN TXT "v=DKIM1; k=rsa; p=..." (split into 255-byte strings)
// Selector and domain default to tlsrpt.dkim_selector and tlsrpt.submitter of --config.
// Exit status: 0 written, 1 I/O failure, 2 usage or configuration.
// `stsrelay dkim check` is in cli_dkim_check.cpp.
#include <CLI/CLI.hpp>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <iostream>
#include <memory>

#include "src/app/cli/cli_common.hpp"
#include "src/core/ascii.hpp"
#include "src/core/domain_name.hpp"
#include "src/dkim/dns_record.hpp"
#include "src/dkim/key.hpp"

namespace stsrelay::app {
namespace {

struct KeygenOptions {
  std::string type = "rsa";
  int bits = 2048;
  std::string selector;
  std::string domain;
  std::string out;
  bool tlsrpt_only = false;
  bool bits_given = false;
};

// A selector is one or more DNS labels (RFC 6376 §3.1); underscores are accepted by DNS.
bool is_selector(const std::string& s) {
  if (s.empty() || s.size() > 63 || s.front() == '.' || s.back() == '.' ||
      s.find("..") != std::string::npos) {
    return false;
  }
  for (char c : s) {
    const bool ok = core::is_alnum(c) ||
                    c == '-' || c == '_' || c == '.';
    if (!ok) return false;
  }
  return true;
}

// Creates `path` with mode 0600 and writes `text`; an existing file is an error, so that a key
// whose public half is in DNS is never replaced by accident.
core::Status write_new_private_file(const std::string& path, const std::string& text) {
  const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, S_IRUSR | S_IWUSR);
  if (fd < 0) {
    const int err = errno;
    if (err == EEXIST) {
      return core::Error::invalid(path + ": exists; remove it first or choose another --out");
    }
    return core::Error::temporary(path + ": cannot create: " + std::strerror(err));
  }
  auto fail = [&](const char* what) {
    const int err = errno;
    ::close(fd);
    ::unlink(path.c_str());
    return core::Error::temporary(path + ": " + what + ": " + std::strerror(err));
  };
  std::size_t written = 0;
  while (written < text.size()) {
    const ssize_t n = ::write(fd, text.data() + written, text.size() - written);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return fail("write");
    written += static_cast<std::size_t>(n);
  }
  // open()'s mode is reduced by the umask; the key must end up exactly owner read/write.
  if (::fchmod(fd, S_IRUSR | S_IWUSR) != 0) return fail("chmod");
  if (::fsync(fd) != 0) return fail("fsync");
  if (::close(fd) != 0) {
    const int err = errno;
    ::unlink(path.c_str());
    return core::Error::temporary(path + ": close: " + std::strerror(err));
  }
  return core::Ok{};
}

int run_keygen(const CliContext& ctx, KeygenOptions o) {
  const auto type = o.type == "ed25519" ? dkim::DkimKeyType::ed25519 : dkim::DkimKeyType::rsa;
  if (type == dkim::DkimKeyType::ed25519 && o.bits_given) {
    print_error("--bits applies to RSA keys only");
    return kExitUsage;
  }
  if (o.selector.empty() || o.domain.empty()) {
    auto config = load_config_for_cli(ctx);
    if (!config) return kExitUsage;
    if (o.selector.empty()) o.selector = config->tlsrpt.dkim_selector;
    if (o.domain.empty()) o.domain = config->tlsrpt.submitter;
    if (o.domain.empty()) {
      print_error("no --domain given and tlsrpt.submitter is empty in " + ctx.config_path);
      return kExitUsage;
    }
  }
  if (!is_selector(o.selector)) {
    print_error("bad selector \"" + o.selector + "\" (DNS labels: letters, digits, '-', '_')");
    return kExitUsage;
  }
  auto domain = core::normalize_domain(o.domain);
  if (!domain) {
    print_error("\"" + o.domain + "\" is not a domain name: " + domain.error().message);
    return kExitUsage;
  }

  auto key = dkim::DkimKey::generate(type, o.bits);
  if (!key) return report_failure(key.error());
  const std::string pem = key->private_key_pem();
  if (pem.empty()) return report_failure(core::Error::temporary("cannot encode the key as PEM"));
  if (auto done = write_new_private_file(o.out, pem); !done) return report_failure(done.error());

  std::cout << dkim::dkim_dns_record(o.selector, *domain,
                                       dkim::dkim_txt_value(*key, o.tlsrpt_only))
            << '\n'
            << std::flush;
  std::cerr << "stsrelay: wrote the " << dkim::to_string(key->type()) << " private key";
  if (key->type() == dkim::DkimKeyType::rsa) std::cerr << " (" << key->bits() << " bits)";
  std::cerr << " to " << o.out << " (mode 0600)\n"
            << "stsrelay: publish the record above, then add a [[dkim.sign]] table with domain = \""
            << *domain << "\", selector = \"" << o.selector << "\", key_file = \"" << o.out
            << "\" (or, for report mail only, set tlsrpt.dkim_key_file and dkim_selector)\n";
  return kExitOk;
}

}  // namespace

void add_dkim_commands(CLI::App& app, CliContext& ctx) {
  CLI::App* dkim = app.add_subcommand(
      "dkim", "DKIM keys for signing relayed mail ([[dkim.sign]]) and TLS-RPT report mails");
  dkim->require_subcommand(1);
  add_dkim_check_command(*dkim, ctx);

  auto options = std::make_shared<KeygenOptions>();
  CLI::App* keygen = dkim->add_subcommand(
      "keygen", "make a DKIM private key and print the DNS TXT record that publishes it");
  keygen->add_option("--type", options->type, "key type")
      ->check(CLI::IsMember({"rsa", "ed25519"}))
      ->capture_default_str();
  CLI::Option* bits = keygen->add_option("--bits", options->bits, "RSA modulus size")
                          ->check(CLI::Range(2048, 4096))
                          ->capture_default_str();
  keygen->add_option("--selector", options->selector,
                     "DKIM selector (default: tlsrpt.dkim_selector of --config)");
  keygen->add_option("--domain", options->domain,
                     "signing domain, the report submitter (default: tlsrpt.submitter of "
                     "--config)");
  keygen->add_flag("--tlsrpt-only", options->tlsrpt_only,
                   "publish the key with s=tlsrpt: usable for TLS reports only; verifiers that "
                   "know only e-mail keys then ignore it");
  keygen->add_option("--out", options->out, "where to write the private key (PEM, mode 0600)")
      ->required();
  keygen->footer(
      "RSA keys are what every verifier accepts; Ed25519 (RFC 8463) is short but not yet "
      "checked everywhere.");
  keygen->callback([&ctx, options, bits] {
    options->bits_given = bits->count() > 0;
    ctx.action = [&ctx, options] { return run_keygen(ctx, *options); };
  });
}

}  // namespace stsrelay::app
