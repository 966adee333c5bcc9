// [[route]] auth_file: the "user:password" line, and files that others may read are refused.
#include "src/app/config/route_credentials_load.hpp"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include <fstream>
#include <optional>

#include "table_test.hpp"
#include "temp_dir.hpp"

namespace stsrelay::app {
namespace {

using Want = std::optional<delivery::RouteCredentials>;

TEST(RouteCredentials, Lines) {
  const testing::Row<std::string, Want> rows[] = {
      {"user and password", "relay@example.org:s3cret", delivery::RouteCredentials{"relay@example.org", "s3cret"}},
      {"a final newline", "u:p\n", delivery::RouteCredentials{"u", "p"}},
      {"a final CR LF", "u:p\r\n", delivery::RouteCredentials{"u", "p"}},
      {"a password with colons", "u:a:b:c", delivery::RouteCredentials{"u", "a:b:c"}},
      {"a password with spaces", "u: p w ", delivery::RouteCredentials{"u", " p w "}},
      {"no colon", "user", std::nullopt},
      {"empty user", ":p", std::nullopt},
      {"empty password", "u:", std::nullopt},
      {"empty file", "", std::nullopt},
      {"a second line", "u:p\nv:q\n", std::nullopt},
      {"NUL inside", std::string("u:p\0q", 5), std::nullopt},
  };
  testing::expect_result_rows(rows, [](const std::string& text) {
    return parse_route_credentials(text);
  });
}

TEST(RouteCredentials, ErrorsNeverQuoteThePassword) {
  auto r = parse_route_credentials("u:topsecret\nmore");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().message.find("topsecret"), std::string::npos);
}

std::string write_file(const testing::TempDir& dir, const char* name, const char* text,
                       mode_t mode) {
  const std::string path = (dir.path() / name).string();
  std::ofstream(path) << text;
  ::chmod(path.c_str(), mode);
  return path;
}

delivery::Route route_with(std::string auth_file) {
  delivery::Route r;
  r.domains = {"example.com"};
  r.auth_file = std::move(auth_file);
  return r;
}

TEST(RouteCredentials, LoadsPrivateFilesIntoTheTable) {
  testing::TempDir dir("auth");
  const std::string path = write_file(dir, "ok", "relay:pw\n", 0600);
  auto table = load_routes({delivery::Route{}, route_with(path)});
  ASSERT_TRUE(table.ok()) << table.error().message;
  EXPECT_FALSE(table->routes()[0].credentials);
  ASSERT_TRUE(table->routes()[1].credentials);
  EXPECT_EQ(table->routes()[1].credentials->user, "relay");
  EXPECT_EQ(table->routes()[1].credentials->password, "pw");
  // Group-readable is allowed (a group the daemon runs in); others are not.
  ::chmod(path.c_str(), 0640);
  EXPECT_TRUE(load_routes({route_with(path)}).ok());
}

TEST(RouteCredentials, RefusesWhatOthersMayReadOrWhatIsMissing) {
  testing::TempDir dir("auth");
  const std::string open_file = write_file(dir, "open", "relay:pw\n", 0644);
  auto table = load_routes({delivery::Route{}, route_with(open_file)});
  ASSERT_FALSE(table.ok());
  EXPECT_NE(table.error().message.find("route[1].auth_file: " + open_file), std::string::npos);
  EXPECT_NE(table.error().message.find("mode 0644"), std::string::npos);

  auto missing = load_routes({route_with((dir.path() / "none").string())});
  ASSERT_FALSE(missing.ok());
  EXPECT_NE(missing.error().message.find("route[0].auth_file:"), std::string::npos);

  const std::string bad = write_file(dir, "bad", "no-colon\n", 0600);
  auto malformed = load_routes({route_with(bad)});
  ASSERT_FALSE(malformed.ok());
  EXPECT_NE(malformed.error().message.find("no ':'"), std::string::npos);
}

}  // namespace
}  // namespace stsrelay::app
