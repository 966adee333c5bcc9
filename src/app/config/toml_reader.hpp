// Reading one TOML table of the configuration key by key: each getter checks the type of the
// value, converts it, records its line in the ConfigSource, and on a mismatch adds a problem
// that names the dotted key, the line and what was expected. `finish()` reports every key
// that no getter asked for (unknown keys are an error: README, "Configuration"). Used only
// by config_parser.cpp; it keeps toml++ out of every other header.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <toml++/toml.h>

#include "src/app/config/config_source.hpp"

namespace stsrelay::app {


// "server" + "listen" -> "server.listen"; keys that are not bare TOML keys are quoted.
std::string join_key(std::string_view path, std::string_view key);

// How a value is shown after "got": "ten" quoted, numbers and booleans as written,
// "an array", "a table", ...
std::string describe_value(const toml::node& node);

class TableReader {
 public:
  TableReader(const toml::table& table, std::string path, ConfigSource& source,
              Problems& problems);

  // Each getter leaves `out` unchanged when the key is absent (the default stands).
  void string(std::string_view key, std::string& out);
  void boolean(std::string_view key, bool& out);
  void positive(std::string_view key, std::uint64_t& out);  // an integer > 0
  void duration(std::string_view key, std::chrono::seconds& out);
  void string_list(std::string_view key, std::vector<std::string>& out);
  // A string or an array of strings (next_hop = "mx" or ["a:25", "b:25"]): one item or many.
  void string_or_list(std::string_view key, std::vector<std::string>& out);
  void duration_list(std::string_view key, std::vector<std::chrono::seconds>& out);

  // A string converted by `convert` (nullopt: refused); `expected` says what is accepted.
  template <class T, class Convert>
  void converted(std::string_view key, T& out, std::string_view expected, Convert convert) {
    const toml::node* node = take(key);
    if (node == nullptr) return;
    if (!node->is_string()) return mismatch(key, *node, expected);
    if (auto v = convert(node->as_string()->get())) {
      out = std::move(*v);
    } else {
      mismatch(key, *node, expected);
    }
  }

  // A sub-table ([server] in the root, [sts.override] in [sts]); nullptr when absent or, after
  // a problem is noted, not a table.
  const toml::table* table(std::string_view key);

  // An array of tables ([[dkim.sign]] is "sign" in [dkim]): `read` gets a reader for each
  // table, whose path is "dkim.sign[0]", "dkim.sign[1]", ..., and whose unknown keys are
  // problems as in any table.
  template <class Read>
  void tables(std::string_view key, Read read) {
    const toml::node* node = take(key);
    if (node == nullptr) return;
    if (!node->is_array_of_tables()) return mismatch(key, *node, "an array of tables [[...]]");
    std::size_t i = 0;
    for (const toml::node& item : *node->as_array()) {
      const std::string item_path = key_path(key) + "[" + std::to_string(i++) + "]";
      note_at(item, item_path);
      TableReader reader(*item.as_table(), item_path, source_, problems_);
      read(reader);
      reader.finish();
    }
  }

  // Adds a problem for every key not taken.
  void finish();

  const std::string& path() const { return path_; }
  std::string key_path(std::string_view key) const { return join_key(path_, key); }
  // A problem about `key` of this table, at the line of its value.
  void problem(std::string_view key, std::string_view what);
  // A problem at the line of one node (a list item, an override entry).
  void problem_at(const toml::node& node, std::string_view key_path, std::string_view what);
  // Records the line of a node read outside the getters (an override entry).
  void note_at(const toml::node& node, std::string_view key_path);
  void mismatch(std::string_view key, const toml::node& node, std::string_view expected);

 private:
  // Marks the key as known and returns its value (nullptr when absent); notes its line.
  const toml::node* take(std::string_view key);

  const toml::table& table_;
  std::string path_;
  ConfigSource& source_;
  Problems& problems_;
  std::set<std::string, std::less<>> taken_;
};

}  // namespace stsrelay::app
