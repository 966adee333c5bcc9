// Where each configuration key was written (file and line), so that validation and reload can
// name the line of the value they refuse, as parsing does.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace stsrelay::app {

class ConfigSource {
 public:
  ConfigSource() = default;
  explicit ConfigSource(std::string file) : file_(std::move(file)) {}

  // `key` is the dotted path as messages print it: "server.listen", "server.listen[1]",
  // "sts.override.\"example.com\"".
  void note(std::string key, std::uint32_t line) { lines_[std::move(key)] = line; }

  // The line of `key` (for a list item not noted, the line of its list); 0 for a default.
  std::uint32_t line(std::string_view key) const;

  // "file:line" for a key written in the file; for a list item not noted, the line of its
  // list; "file" alone for a key that took its default.
  std::string where(std::string_view key) const;

  // "file:line: key: what" — the form of every configuration error.
  std::string problem(std::string_view key, std::string_view what) const;

  const std::string& file() const { return file_; }

 private:
  std::string file_;
  std::map<std::string, std::uint32_t, std::less<>> lines_;
};

// The problems found so far, each with its line (0: no line) so that they can be reported in
// the order of the file.
struct Problems {
  std::vector<std::pair<std::uint32_t, std::string>> items;

  void add(std::uint32_t line, std::string text) { items.emplace_back(line, std::move(text)); }
  // All problems, ordered by line, one per line of text.
  std::string joined() const;
};

}  // namespace stsrelay::app
