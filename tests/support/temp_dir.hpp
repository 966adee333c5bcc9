// A temporary directory for a test's database files, removed with everything in it. Every
// module's tests use this one; a test that needs a second file names it under path().
#pragma once

#include <stdlib.h>

#include <filesystem>
#include <stdexcept>
#include <string>

namespace stsrelay::testing {

class TempDir {
 public:
  // `tag` names the directory ("stsrelay-<tag>-XXXXXX"); `db_name` is what db() returns in it.
  explicit TempDir(const std::string& tag = "test", std::string db_name = "test.db")
      : db_name_(std::move(db_name)) {
    std::string pattern =
        (std::filesystem::temp_directory_path() / ("stsrelay-" + tag + "-XXXXXX")).string();
    if (mkdtemp(pattern.data()) == nullptr) throw std::runtime_error("mkdtemp failed");
    path_ = pattern;
  }
  ~TempDir() {
    std::error_code ignored;
    std::filesystem::remove_all(path_, ignored);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;

  const std::filesystem::path& path() const { return path_; }
  std::filesystem::path db() const { return path_ / db_name_; }

 private:
  std::filesystem::path path_;
  std::string db_name_;
};

}  // namespace stsrelay::testing
