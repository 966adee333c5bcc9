// `stsrelay passwd USER [--file F]`: hashes a password read from standard input
// (smtp/auth_users.hpp) and prints the "user:hash" line, or adds or replaces the user's line in
// F (created with mode 0600 when missing). The file is replaced atomically (write, fsync,
// rename), so the daemon never reads half of it.
#include <CLI/CLI.hpp>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <sstream>

#include "smtp/auth_users.hpp"
#include "src/app/cli/cli_common.hpp"
#include "src/app/cli/password_input.hpp"
#include "src/app/config/users_file.hpp"

namespace stsrelay::app {
namespace {

struct PasswdOptions {
  std::string user;
  std::string file;
};

core::Error io_error(const std::string& what) {
  return core::Error::temporary(what + ": " + std::strerror(errno));
}

// The current text of `file`, "" when it does not exist yet; its mode (0600 for a new file).
core::Result<std::string> read_existing(const std::string& file, mode_t& mode) {
  mode = S_IRUSR | S_IWUSR;
  struct stat st {};
  if (::stat(file.c_str(), &st) != 0) {
    if (errno == ENOENT) return std::string();
    return io_error(file);
  }
  mode = st.st_mode & 07777;
  std::ifstream in(file, std::ios::binary);
  if (!in) return io_error(file + ": cannot read");
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

core::Status write_atomically(const std::string& file, const std::string& text, mode_t mode) {
  const std::string tmp = file + ".tmp";
  const int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode);
  if (fd < 0) return io_error(tmp + ": cannot create");
  std::size_t written = 0;
  while (written < text.size()) {
    const ssize_t n = ::write(fd, text.data() + written, text.size() - written);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      auto error = io_error(tmp + ": write");
      ::close(fd);
      ::unlink(tmp.c_str());
      return error;
    }
    written += static_cast<std::size_t>(n);
  }
  // The mode given to open() is reduced by the umask; the file keeps the mode it had.
  if (::fchmod(fd, mode) != 0 || ::fsync(fd) != 0) {
    auto error = io_error(tmp);
    ::close(fd);
    ::unlink(tmp.c_str());
    return error;
  }
  ::close(fd);
  if (::rename(tmp.c_str(), file.c_str()) != 0) {
    auto error = io_error(file + ": cannot replace");
    ::unlink(tmp.c_str());
    return error;
  }
  return core::Ok{};
}

int run_passwd(const PasswdOptions& o) {
  if (!smtp::is_valid_auth_user(o.user)) {
    print_error("bad user name \"" + o.user +
                "\" (1 to 255 bytes, no ':', space or control character)");
    return kExitUsage;
  }
  std::string text;
  mode_t mode = 0;
  if (!o.file.empty()) {
    auto existing = read_existing(o.file, mode);
    if (!existing) return report_failure(existing.error());
    // Refuse to add to a file the daemon would refuse: the mistake would show only at reload.
    if (auto users = smtp::AuthUsers::parse(*existing, o.file); !users) {
      return report_failure(core::Error::invalid(users.error().message + " (fix the file first)"));
    }
    text = std::move(*existing);
  }
  auto password = read_new_password();
  if (!password) return report_failure(password.error());
  const std::string entry = o.user + ":" + smtp::hash_password(*password);
  if (o.file.empty()) {
    std::cout << entry << '\n' << std::flush;
    return kExitOk;
  }
  const UsersFileEdit edit = set_user_entry(text, o.user, entry);
  if (auto done = write_atomically(o.file, edit.text, mode); !done) {
    return report_failure(done.error());
  }
  std::cerr << "stsrelay: " << o.file << ": " << (edit.replaced ? "replaced" : "added")
            << " user " << o.user << '\n';
  return kExitOk;
}

}  // namespace

void add_passwd_command(CLI::App& app, CliContext& ctx) {
  auto options = std::make_shared<PasswdOptions>();
  CLI::App* passwd = app.add_subcommand(
      "passwd", "hash a password read from standard input for relay.auth_users_file");
  passwd->add_option("USER", options->user, "user name")->required();
  passwd->add_option("--file", options->file,
                     "add or replace the user in this file instead of printing the line");
  passwd->footer("--config is accepted for symmetry and not read: the file is given with --file.");
  run_when_chosen(*passwd, ctx, [options] { return run_passwd(*options); });
}

}  // namespace stsrelay::app
