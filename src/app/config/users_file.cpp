#include "src/app/config/users_file.hpp"

namespace stsrelay::app {

UsersFileEdit set_user_entry(std::string_view text, std::string_view user,
                             std::string_view entry) {
  std::string out;
  bool replaced = false;
  while (!text.empty()) {
    const auto nl = text.find('\n');
    const std::string_view line = text.substr(0, nl);
    text = nl == std::string_view::npos ? std::string_view{} : text.substr(nl + 1);
    // The same rule as AuthUsers::parse: the user name is everything before the first ':'.
    const bool is_user = line.size() > user.size() && line.starts_with(user) &&
                         line[user.size()] == ':';
    if (is_user) {
      // A file holds each user once (the loader refuses duplicates); drop any later copy.
      if (!replaced) {
        out += entry;
        out += '\n';
        replaced = true;
      }
      continue;
    }
    out += line;
    out += '\n';
  }
  if (!replaced) {
    // A file whose last line has no newline gets one before the new entry (handled above:
    // every kept line is written with its newline).
    out += entry;
    out += '\n';
  }
  return {std::move(out), replaced};
}

}  // namespace stsrelay::app
