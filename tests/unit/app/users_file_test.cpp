// `stsrelay passwd --file`: the user's line is replaced where it stands or appended; the rest
// of the file is kept.
#include "src/app/config/users_file.hpp"

#include <gtest/gtest.h>

#include <vector>

namespace stsrelay::app {
namespace {

TEST(SetUserEntry, Table) {
  struct Row {
    const char* name;
    std::string text;
    std::string user;
    std::string want;
    bool replaced;
  };
  const std::vector<Row> rows = {
      {"new file", "", "alice", "alice:NEW\n", false},
      {"append", "bob:B\n", "alice", "bob:B\nalice:NEW\n", false},
      {"append after a last line without newline", "bob:B", "alice", "bob:B\nalice:NEW\n",
       false},
      {"replace in place", "# users\nalice:A\nbob:B\n", "alice", "# users\nalice:NEW\nbob:B\n",
       true},
      {"comments and blank lines kept", "# a\n\nbob:B\n\n# z\n", "bob",
       "# a\n\nbob:NEW\n\n# z\n", true},
      {"a user whose name starts alike is another user", "alice2:X\n", "alice",
       "alice2:X\nalice:NEW\n", false},
      {"a comment naming the user is not the user", "# alice:old\n", "alice",
       "# alice:old\nalice:NEW\n", false},
      {"duplicates collapse into one", "alice:A\nbob:B\nalice:C\n", "alice",
       "alice:NEW\nbob:B\n", true},
      {"CRLF lines of others kept", "bob:B\r\n", "alice", "bob:B\r\nalice:NEW\n", false},
  };
  for (const Row& row : rows) {
    SCOPED_TRACE(row.name);
    const UsersFileEdit edit = set_user_entry(row.text, row.user, row.user + ":NEW");
    EXPECT_EQ(edit.text, row.want);
    EXPECT_EQ(edit.replaced, row.replaced);
  }
}

}  // namespace
}  // namespace stsrelay::app
