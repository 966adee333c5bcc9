// Editing the text of an `auth_users_file` for `stsrelay passwd USER --file F`: the user's line
// is replaced where it stands, or appended; comments, blank lines and other users are kept as
// they are. Pure; cli_passwd.cpp reads and writes the file.
#pragma once

#include <string>
#include <string_view>

namespace stsrelay::app {

struct UsersFileEdit {
  std::string text;       // the new file, ending with a newline
  bool replaced = false;  // the user had a line (false: the entry was appended)
};

// `text` is the file as it is (maybe empty); `entry` the new "user:hash" line without newline.
UsersFileEdit set_user_entry(std::string_view text, std::string_view user,
                             std::string_view entry);

}  // namespace stsrelay::app
