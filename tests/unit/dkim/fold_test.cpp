// Header folding: lines within 78 characters where the pieces allow, unfolding restores the
// value, a prefix lays out as a prefix (what the signer needs for b=).
#include "src/dkim/fold.hpp"

#include <gtest/gtest.h>

namespace stsrelay::dkim {
namespace {

std::vector<std::string> lines_of(const std::string& field) {
  std::vector<std::string> out;
  std::size_t pos = 0;
  while (true) {
    const auto eol = field.find("\r\n", pos);
    out.push_back(field.substr(pos, eol == std::string::npos ? std::string::npos : eol - pos));
    if (eol == std::string::npos) return out;
    pos = eol + 2;
  }
}

std::string unfold(std::string field) {
  for (auto pos = field.find("\r\n"); pos != std::string::npos; pos = field.find("\r\n")) {
    field.erase(pos, 2);
  }
  return field;
}

TEST(DkimFold, Table) {
  struct Row {
    const char* name;
    std::string field_name;
    std::string value;  // folded at its spaces
    std::vector<std::string> want;
  };
  const std::vector<Row> rows = {
      {"short value stays on one line", "Subject", "hello world", {"Subject: hello world"}},
      {"exactly 78 characters", "X", std::string(75, 'a'), {"X: " + std::string(75, 'a')}},
      {"79 characters fold at the last space", "X", std::string(70, 'a') + " bbbbbbb",
       {"X: " + std::string(70, 'a'), " bbbbbbb"}},
      {"a word longer than a line stays whole", "X", "a " + std::string(100, 'b') + " c",
       {"X: a", " " + std::string(100, 'b'), " c"}},
      {"first word stays beside the name", "Content-Disposition", std::string(90, 'f'),
       {"Content-Disposition: " + std::string(90, 'f')}},
      {"RFC 8460 subject", "Subject",
       "Report Domain: example.net Submitter: mail.sender.example.com "
       "Report-ID: <735ff.e317+bf22029@mailexample.net>",
       {"Subject: Report Domain: example.net Submitter: mail.sender.example.com",
        " Report-ID: <735ff.e317+bf22029@mailexample.net>"}},
  };
  for (const auto& row : rows) {
    SCOPED_TRACE(row.name);
    const std::string field = fold_header(row.field_name, words(row.value));
    EXPECT_EQ(lines_of(field), row.want);
    EXPECT_EQ(unfold(field), row.field_name + ": " + row.value);
  }
}

TEST(DkimFold, PiecesWithoutSpaceFillLines) {
  std::vector<FoldPiece> pieces = {{"b=", true}};
  for (int i = 0; i < 200; ++i) pieces.push_back({std::string(1, char('A' + i % 26)), false});
  const std::string field = fold_header("DKIM-Signature", pieces);
  const auto lines = lines_of(field);
  ASSERT_GE(lines.size(), 3u);
  for (std::size_t i = 0; i + 1 < lines.size(); ++i) EXPECT_EQ(lines[i].size(), 78u) << i;
  EXPECT_EQ(lines[1][0], ' ');
  EXPECT_EQ(lines[1][1], char('A' + (78 - 18) % 26)) << "a fold between characters adds one space";
}

TEST(DkimFold, PrefixLaysOutAsPrefix) {
  std::vector<FoldPiece> pieces;
  for (int i = 0; i < 40; ++i) pieces.push_back({"tag" + std::to_string(i) + "=v;", i % 3 != 1});
  const std::string all = fold_header("DKIM-Signature", pieces);
  for (std::size_t n = 0; n <= pieces.size(); ++n) {
    const std::vector<FoldPiece> prefix(pieces.begin(), pieces.begin() + long(n));
    const std::string part = fold_header("DKIM-Signature", prefix);
    EXPECT_EQ(all.compare(0, part.size(), part), 0) << n;
  }
}

TEST(DkimFold, WordsSkipRunsOfSpaces) {
  const auto w = words("  a  b c ");
  ASSERT_EQ(w.size(), 3u);
  EXPECT_EQ(w[0].text, "a");
  EXPECT_EQ(w[2].text, "c");
  EXPECT_TRUE(words("").empty());
}

}  // namespace
}  // namespace stsrelay::dkim
