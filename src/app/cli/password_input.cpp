#include "src/app/cli/password_input.hpp"

#include <termios.h>
#include <unistd.h>

#include <iostream>

namespace stsrelay::app {
namespace {

// Echo off for as long as it lives; the terminal's settings come back even on an exception.
class EchoOff {
 public:
  EchoOff() {
    if (tcgetattr(STDIN_FILENO, &saved_) != 0) return;
    termios quiet = saved_;
    quiet.c_lflag &= ~static_cast<tcflag_t>(ECHO);
    active_ = tcsetattr(STDIN_FILENO, TCSAFLUSH, &quiet) == 0;
  }
  ~EchoOff() {
    if (active_) tcsetattr(STDIN_FILENO, TCSAFLUSH, &saved_);
  }
  EchoOff(const EchoOff&) = delete;
  EchoOff& operator=(const EchoOff&) = delete;

 private:
  termios saved_{};
  bool active_ = false;
};

core::Result<std::string> read_line() {
  std::string line;
  if (!std::getline(std::cin, line)) {
    return core::Error::invalid("no password on standard input");
  }
  if (!line.empty() && line.back() == '\r') line.pop_back();
  return line;
}

core::Result<std::string> prompt(const char* text) {
  // Echo goes off before the prompt shows: TCSAFLUSH drops what was typed before it.
  EchoOff quiet;
  std::cerr << text << std::flush;
  auto line = read_line();
  std::cerr << '\n';
  return line;
}

}  // namespace

core::Result<std::string> read_new_password() {
  core::Result<std::string> password = core::Error::invalid("");
  if (isatty(STDIN_FILENO) == 1) {
    password = prompt("New password: ");
    if (!password) return password;
    auto again = prompt("Retype new password: ");
    if (!again) return again;
    if (*again != *password) return core::Error::invalid("the passwords do not match");
  } else {
    password = read_line();
    if (!password) return password;
  }
  if (password->empty()) return core::Error::invalid("an empty password is refused");
  return password;
}

}  // namespace stsrelay::app
