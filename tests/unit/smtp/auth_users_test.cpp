// The AUTH user database: hash format (known answers computed with Python's hashlib), file
// parsing with errors that name the line, verification, and equal work for unknown users.
#include "smtp/auth_users.hpp"

#include <gtest/gtest.h>

#include <chrono>
#include <filesystem>
#include <fstream>

namespace stsrelay::smtp {
namespace {

// hashlib.pbkdf2_hmac("sha256", b"correct horse", b"stsrelay-salt-16", 1000), adapted base64.
constexpr std::string_view kHorse =
    "$pbkdf2-sha256$1000$c3RzcmVsYXktc2FsdC0xNg$NlOWOcqUbt2e4Epy2JAFth4kALccx1oc9hqmnWZLRPg";
// The same in standard base64 with padding.
constexpr std::string_view kHorseStandard =
    "$pbkdf2-sha256$1000$c3RzcmVsYXktc2FsdC0xNg==$NlOWOcqUbt2e4Epy2JAFth4kALccx1oc9hqmnWZLRPg=";
// "pässwörd" (UTF-8), 2000 iterations; the key's encoding holds a '.' (base64 '+').
constexpr std::string_view kUmlaut =
    "$pbkdf2-sha256$2000$c3RzcmVsYXktc2FsdC0xNg$ZkaTEh0zgQydu0r843H62b3voOGPycdkLL.7tpNayDQ";

std::vector<std::uint8_t> bytes(std::string_view s) { return {s.begin(), s.end()}; }

TEST(PasswordHash, KnownAnswers) {
  EXPECT_EQ(format_password_hash(derive_password_hash("correct horse", bytes("stsrelay-salt-16"),
                                                      1000)),
            kHorse);
  EXPECT_EQ(format_password_hash(derive_password_hash("pässwörd", bytes("stsrelay-salt-16"),
                                                      2000)),
            kUmlaut);
}

TEST(PasswordHash, ParseTable) {
  struct Row {
    const char* name;
    std::string_view text;
    bool ok;
  };
  const std::vector<Row> rows = {
      {"adapted base64", kHorse, true},
      {"standard base64 with padding", kHorseStandard, true},
      {"other scheme", "$pbkdf2-sha1$1000$c3RzcmVsYXktc2FsdC0xNg$NlOWOcqUbt2e4Epy2JAFth4kALccx1oc9hqmnWZLRPg", false},
      {"plain text password", "secret", false},
      {"empty", "", false},
      {"missing key", "$pbkdf2-sha256$1000$c3RzcmVsYXktc2FsdC0xNg", false},
      {"extra field", std::string_view("$pbkdf2-sha256$1000$c3RzcmVsYXktc2FsdC0xNg$NlOWOcqUbt2e4Epy2JAFth4kALccx1oc9hqmnWZLRPg$x"), false},
      {"iterations below the minimum", "$pbkdf2-sha256$999$c3RzcmVsYXktc2FsdC0xNg$NlOWOcqUbt2e4Epy2JAFth4kALccx1oc9hqmnWZLRPg", false},
      {"iterations above the maximum", "$pbkdf2-sha256$10000001$c3RzcmVsYXktc2FsdC0xNg$NlOWOcqUbt2e4Epy2JAFth4kALccx1oc9hqmnWZLRPg", false},
      {"iterations not a number", "$pbkdf2-sha256$1e3$c3RzcmVsYXktc2FsdC0xNg$NlOWOcqUbt2e4Epy2JAFth4kALccx1oc9hqmnWZLRPg", false},
      {"salt too short", "$pbkdf2-sha256$1000$c2FsdA$NlOWOcqUbt2e4Epy2JAFth4kALccx1oc9hqmnWZLRPg", false},
      {"salt not base64", "$pbkdf2-sha256$1000$c3Rz*mVsYXktc2FsdC0xNg$NlOWOcqUbt2e4Epy2JAFth4kALccx1oc9hqmnWZLRPg", false},
      {"key too short", "$pbkdf2-sha256$1000$c3RzcmVsYXktc2FsdC0xNg$NlOWOcqUbt2e4Epy2JAFth4kALccx1oc9hqmnWZLR", false},
      {"key of impossible length", "$pbkdf2-sha256$1000$c3RzcmVsYXktc2FsdC0xNg$NlOWOcqUbt2e4Epy2JAFth4kALccx1oc9hqmnWZLRPgA", false},
  };
  for (const Row& row : rows) {
    SCOPED_TRACE(row.name);
    auto hash = parse_password_hash(row.text);
    EXPECT_EQ(hash.ok(), row.ok) << (hash ? "" : hash.error().message);
  }
  auto a = parse_password_hash(kHorse);
  auto b = parse_password_hash(kHorseStandard);
  ASSERT_TRUE(a && b);
  EXPECT_EQ(*a, *b);
  EXPECT_EQ(a->iterations, 1000);
  EXPECT_EQ(a->salt, bytes("stsrelay-salt-16"));
}

TEST(HashPassword, RandomSaltDefaultIterationsAndRoundTrip) {
  const std::string h1 = hash_password("s3cret");
  const std::string h2 = hash_password("s3cret");
  EXPECT_NE(h1, h2) << "two hashes of one password share a salt";
  auto parsed = parse_password_hash(h1);
  ASSERT_TRUE(parsed.ok()) << parsed.error().message;
  EXPECT_EQ(parsed->iterations, kPbkdf2Iterations);
  EXPECT_EQ(parsed->salt.size(), 16u);
  EXPECT_EQ(format_password_hash(*parsed), h1);
  auto users = AuthUsers::parse("alice:" + h1 + "\n", "users");
  ASSERT_TRUE(users.ok()) << users.error().message;
  EXPECT_TRUE(users->verify("alice", "s3cret"));
  EXPECT_FALSE(users->verify("alice", "s3cret "));
}

TEST(AuthUsers, ParseTable) {
  const std::string horse(kHorse);
  struct Row {
    const char* name;
    std::string text;
    std::string error;  // empty: parses
    std::size_t size = 0;
  };
  const std::vector<Row> rows = {
      {"empty file", "", "", 0},
      {"comments and blank lines", "# users\n\n   \n\t# indented comment\n", "", 0},
      {"one user", "alice:" + horse + "\n", "", 1},
      {"no final newline", "alice:" + horse, "", 1},
      {"CRLF lines", "alice:" + horse + "\r\nbob:" + horse + "\r\n", "", 2},
      {"UTF-8 user name", "jörg@example.com:" + horse + "\n", "", 1},
      {"no colon", "# x\nalice " + horse + "\n", "users:2: expected \"user:hash\""},
      {"empty user", "\n:" + horse + "\n",
       "users:2: bad user name \"\" (1 to 255 bytes, no ':', space or control character)"},
      {"space in user", "al ice:" + horse + "\n",
       "users:1: bad user name \"al ice\" (1 to 255 bytes, no ':', space or control "
       "character)"},
      {"bad hash", "alice:secret\n",
       "users:1: user \"alice\": expected a hash starting with \"$pbkdf2-sha256$\""},
      {"trailing space after hash", "alice:" + horse + " \n",
       "users:1: user \"alice\": the derived key must be base64 of 32 bytes"},
      {"user twice", "alice:" + horse + "\nbob:" + horse + "\nalice:" + horse + "\n",
       "users:3: user \"alice\" is listed twice"},
  };
  for (const Row& row : rows) {
    SCOPED_TRACE(row.name);
    auto users = AuthUsers::parse(row.text, "users");
    if (row.error.empty()) {
      ASSERT_TRUE(users.ok()) << users.error().message;
      EXPECT_EQ(users->size(), row.size);
      EXPECT_EQ(users->empty(), row.size == 0);
    } else {
      ASSERT_FALSE(users.ok());
      EXPECT_EQ(users.error().message, row.error);
    }
  }
}

TEST(AuthUsers, Verify) {
  auto users = AuthUsers::parse(
      "alice:" + std::string(kHorse) + "\nbob:" + std::string(kUmlaut) + "\n", "users");
  ASSERT_TRUE(users.ok()) << users.error().message;
  struct Row {
    const char* name;
    std::string_view user;
    std::string_view password;
    bool ok;
  };
  const std::vector<Row> rows = {
      {"right password", "alice", "correct horse", true},
      {"UTF-8 password", "bob", "pässwörd", true},
      {"wrong password", "alice", "correct horse battery", false},
      {"password of another user", "alice", "pässwörd", false},
      {"empty password", "alice", "", false},
      {"user names are case-sensitive", "Alice", "correct horse", false},
      {"unknown user", "carol", "correct horse", false},
      {"empty user", "", "", false},
  };
  for (const Row& row : rows) {
    SCOPED_TRACE(row.name);
    EXPECT_EQ(users->verify(row.user, row.password), row.ok);
  }
}

// An unknown user costs one full derivation, like a known one: measured in CPU time of this
// thread (immune to other load), an unknown user must cost at least half of a known one.
TEST(AuthUsers, UnknownUserSpendsTheSameWork) {
  auto users = AuthUsers::parse("alice:" + hash_password("pw") + "\n", "users");
  ASSERT_TRUE(users.ok());
  auto cpu = [] {
    timespec ts{};
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return std::chrono::seconds{ts.tv_sec} + std::chrono::nanoseconds{ts.tv_nsec};
  };
  auto t0 = cpu();
  EXPECT_FALSE(users->verify("alice", "wrong"));
  auto t1 = cpu();
  EXPECT_FALSE(users->verify("mallory", "wrong"));
  auto t2 = cpu();
  const auto known = t1 - t0;
  const auto unknown = t2 - t1;
  EXPECT_GT(unknown * 2, known) << "known " << known.count() << " ns, unknown "
                                << unknown.count() << " ns";
  EXPECT_GT(known * 2, unknown);
}

TEST(AuthUsers, LoadNamesTheFile) {
  const auto dir = std::filesystem::path(testing::TempDir());
  auto missing = AuthUsers::load(dir / "no-such-users-file");
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.error().kind, core::ErrorKind::not_found);
  EXPECT_EQ(missing.error().message,
            (dir / "no-such-users-file").string() + ": cannot read: No such file or directory");

  const auto file = dir / "auth_users_test_users";
  {
    std::ofstream out(file);
    out << "alice:" << kHorse << "\nbroken\n";
  }
  auto bad = AuthUsers::load(file);
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.error().message, file.string() + ":2: expected \"user:hash\"");

  {
    std::ofstream out(file);
    out << "alice:" << kHorse << "\n";
  }
  auto good = AuthUsers::load(file);
  std::filesystem::remove(file);
  ASSERT_TRUE(good.ok()) << good.error().message;
  EXPECT_TRUE(good->verify("alice", "correct horse"));
}

TEST(IsValidAuthUser, Table) {
  EXPECT_TRUE(is_valid_auth_user("alice"));
  EXPECT_TRUE(is_valid_auth_user("alice@example.com"));
  EXPECT_TRUE(is_valid_auth_user("jörg"));
  EXPECT_TRUE(is_valid_auth_user(std::string(255, 'a')));
  EXPECT_FALSE(is_valid_auth_user(""));
  EXPECT_FALSE(is_valid_auth_user(std::string(256, 'a')));
  EXPECT_FALSE(is_valid_auth_user("a:b"));
  EXPECT_FALSE(is_valid_auth_user("a b"));
  EXPECT_FALSE(is_valid_auth_user("a\tb"));
  EXPECT_FALSE(is_valid_auth_user(std::string("a\0b", 3)));
  EXPECT_FALSE(is_valid_auth_user("a\x7f"));
}

}  // namespace
}  // namespace stsrelay::smtp
