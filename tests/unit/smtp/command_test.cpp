#include "smtp/command.hpp"

#include <gtest/gtest.h>

namespace stsrelay::smtp {
namespace {

struct CommandRow {
  const char* name;
  std::string line;
  Verb verb;
  std::string argument;
};

TEST(ParseCommand, Table) {
  const CommandRow rows[] = {
      {"ehlo", "EHLO client.example.com", Verb::ehlo, "client.example.com"},
      {"lower case verb", "ehlo client.example.com", Verb::ehlo, "client.example.com"},
      {"mixed case verb", "MaIl FROM:<a@b.example>", Verb::mail, "FROM:<a@b.example>"},
      {"helo", "HELO x", Verb::helo, "x"},
      {"rcpt", "RCPT TO:<a@b.example>", Verb::rcpt, "TO:<a@b.example>"},
      {"data", "DATA", Verb::data, ""},
      {"data trailing spaces", "DATA   ", Verb::data, ""},
      {"rset", "RSET", Verb::rset, ""},
      {"noop with argument", "NOOP hello there", Verb::noop, "hello there"},
      {"quit", "QUIT", Verb::quit, ""},
      {"vrfy", "VRFY postmaster", Verb::vrfy, "postmaster"},
      {"expn", "EXPN list", Verb::expn, "list"},
      {"help", "HELP", Verb::help, ""},
      {"starttls", "STARTTLS", Verb::starttls, ""},
      {"auth", "AUTH PLAIN AGZvbwBiYXI=", Verb::auth, "PLAIN AGZvbwBiYXI="},
      {"several spaces before argument", "EHLO    x.example", Verb::ehlo, "x.example"},
      {"bdat is not offered", "BDAT 100 LAST", Verb::unknown, "100 LAST"},
      {"verb glued to argument", "MAILFROM:<a@b>", Verb::unknown, ""},
      {"empty line", "", Verb::unknown, ""},
      {"leading space", " EHLO x", Verb::unknown, "EHLO x"},
      {"tab separator is not a verb end", "EHLO\tx", Verb::unknown, ""},
      {"verb prefix", "EHL", Verb::unknown, ""},
      {"verb suffix", "EHLOX", Verb::unknown, ""},
  };
  for (const auto& row : rows) {
    SCOPED_TRACE(row.name);
    Command cmd = parse_command(row.line);
    EXPECT_EQ(cmd.verb, row.verb);
    EXPECT_EQ(cmd.argument, row.argument);
  }
}

struct SplitRow {
  const char* name;
  std::string argument;
  std::string keyword;
  bool ok;
  std::string path;
  std::string params;
};

TEST(SplitPathArgument, Table) {
  const SplitRow rows[] = {
      {"plain", "FROM:<a@b.example>", "FROM:", true, "<a@b.example>", ""},
      {"null path", "FROM:<>", "FROM:", true, "<>", ""},
      {"lower case keyword", "from:<a@b.example>", "FROM:", true, "<a@b.example>", ""},
      {"space after colon (Postfix leniency)", "FROM: <a@b.example>", "FROM:", true,
       "<a@b.example>", ""},
      {"parameters", "FROM:<a@b.example> SIZE=100 BODY=8BITMIME", "FROM:", true,
       "<a@b.example>", "SIZE=100 BODY=8BITMIME"},
      {"several spaces before parameters", "TO:<a@b.example>   NOTIFY=NEVER", "TO:", true,
       "<a@b.example>", "NOTIFY=NEVER"},
      {"quoted local part with >", "TO:<\"a>b\"@c.example>", "TO:", true,
       "<\"a>b\"@c.example>", ""},
      {"quoted pair quote inside", "TO:<\"a\\\">\"@c.example> X=1", "TO:", true,
       "<\"a\\\">\"@c.example>", "X=1"},
      {"no brackets", "FROM:a@b.example", "FROM:", false, "", ""},
      {"missing close bracket", "FROM:<a@b.example", "FROM:", false, "", ""},
      {"wrong keyword", "TO:<a@b.example>", "FROM:", false, "", ""},
      {"space before colon", "FROM :<a@b.example>", "FROM:", false, "", ""},
      {"garbage after path", "FROM:<a@b.example>x", "FROM:", false, "", ""},
      {"empty", "", "FROM:", false, "", ""},
  };
  for (const auto& row : rows) {
    SCOPED_TRACE(row.name);
    auto r = split_path_argument(row.argument, row.keyword);
    ASSERT_EQ(r.has_value(), row.ok);
    if (r) {
      EXPECT_EQ(r->path, row.path);
      EXPECT_EQ(r->parameters, row.params);
    }
  }
}

}  // namespace
}  // namespace stsrelay::smtp
