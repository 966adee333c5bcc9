#include "src/app/config/toml_reader.hpp"

#include <algorithm>

#include "src/app/config/duration.hpp"
#include "src/core/ascii.hpp"
#include "src/core/log_quote.hpp"

namespace stsrelay::app {
namespace {

bool is_bare_key(std::string_view key) {
  if (key.empty()) return false;
  return std::all_of(key.begin(), key.end(), [](char c) {
    return core::is_alnum(c) || c == '_' || c == '-';
  });
}

std::uint32_t line_of(const toml::source_region& region) { return region.begin.line; }

// Levenshtein distance, for "did you mean" on unknown keys (short strings only).
std::size_t edit_distance(std::string_view a, std::string_view b) {
  std::vector<std::size_t> row(b.size() + 1);
  for (std::size_t j = 0; j <= b.size(); ++j) row[j] = j;
  for (std::size_t i = 1; i <= a.size(); ++i) {
    std::size_t diagonal = row[0];
    row[0] = i;
    for (std::size_t j = 1; j <= b.size(); ++j) {
      const std::size_t above = row[j];
      row[j] = std::min({row[j] + 1, row[j - 1] + 1, diagonal + (a[i - 1] == b[j - 1] ? 0 : 1)});
      diagonal = above;
    }
  }
  return row[b.size()];
}

// What an unknown key should have been: the nearest known key when it is a likely typo
// (at most 2 edits), otherwise the whole list.
std::string unknown_key_hint(std::string_view key, const std::set<std::string, std::less<>>& known,
                             std::string_view noun) {
  std::string nearest;
  std::size_t best = 3;
  for (const auto& k : known) {
    if (const std::size_t d = edit_distance(key, k); d < best) {
      best = d;
      nearest = k;
    }
  }
  if (!nearest.empty()) return " (did you mean \"" + nearest + "\"?)";
  std::string list;
  for (const auto& k : known) {
    list += list.empty() ? "" : ", ";
    list += k;
  }
  return " (known " + std::string(noun) + ": " + list + ")";
}

}  // namespace

std::string join_key(std::string_view path, std::string_view key) {
  std::string out(path);
  if (!out.empty()) out += '.';
  out += is_bare_key(key) ? std::string(key) : core::quoted(key, core::QuoteStyle::toml);
  return out;
}

std::string describe_value(const toml::node& node) {
  switch (node.type()) {
    case toml::node_type::string:
      return core::quoted(node.as_string()->get(), core::QuoteStyle::toml);
    case toml::node_type::integer: return std::to_string(node.as_integer()->get());
    case toml::node_type::floating_point: {
      std::string text = std::to_string(node.as_floating_point()->get());
      // std::to_string gives 6 decimals; trim to the shortest that still reads as a float.
      while (text.size() > 2 && text.back() == '0' && text[text.size() - 2] != '.') {
        text.pop_back();
      }
      return text;
    }
    case toml::node_type::boolean: return node.as_boolean()->get() ? "true" : "false";
    case toml::node_type::array: return "an array";
    case toml::node_type::table: return "a table";
    case toml::node_type::date: return "a date";
    case toml::node_type::time: return "a time";
    case toml::node_type::date_time: return "a date-time";
    case toml::node_type::none: break;
  }
  return "nothing";
}

TableReader::TableReader(const toml::table& table, std::string path, ConfigSource& source,
                         Problems& problems)
    : table_(table), path_(std::move(path)), source_(source), problems_(problems) {}

const toml::node* TableReader::take(std::string_view key) {
  taken_.emplace(key);
  const toml::node* node = table_.get(key);
  if (node == nullptr) return nullptr;
  // The line of the key itself: for a multi-line array that is where the reader looks.
  auto it = table_.find(key);
  source_.note(key_path(key), line_of(it->first.source()));
  return node;
}

void TableReader::problem(std::string_view key, std::string_view what) {
  const std::string full = key_path(key);
  std::uint32_t line = 0;
  if (auto it = table_.find(key); it != table_.end()) line = line_of(it->first.source());
  problems_.add(line, source_.problem(full, what));
}

void TableReader::problem_at(const toml::node& node, std::string_view key_path,
                             std::string_view what) {
  const std::uint32_t line = line_of(node.source());
  source_.note(std::string(key_path), line);
  problems_.add(line, source_.problem(key_path, what));
}

void TableReader::note_at(const toml::node& node, std::string_view key_path) {
  source_.note(std::string(key_path), line_of(node.source()));
}

void TableReader::mismatch(std::string_view key, const toml::node& node,
                           std::string_view expected) {
  problem(key, "expected " + std::string(expected) + ", got " + describe_value(node));
}

void TableReader::string(std::string_view key, std::string& out) {
  const toml::node* node = take(key);
  if (node == nullptr) return;
  if (!node->is_string()) return mismatch(key, *node, "a string");
  out = node->as_string()->get();
}

void TableReader::boolean(std::string_view key, bool& out) {
  const toml::node* node = take(key);
  if (node == nullptr) return;
  if (!node->is_boolean()) return mismatch(key, *node, "true or false");
  out = node->as_boolean()->get();
}

void TableReader::positive(std::string_view key, std::uint64_t& out) {
  const toml::node* node = take(key);
  if (node == nullptr) return;
  if (!node->is_integer() || node->as_integer()->get() <= 0) {
    return mismatch(key, *node, "a positive integer");
  }
  out = static_cast<std::uint64_t>(node->as_integer()->get());
}

void TableReader::duration(std::string_view key, std::chrono::seconds& out) {
  const toml::node* node = take(key);
  if (node == nullptr) return;
  constexpr std::string_view kExpected = "a duration such as \"30s\", \"10m\", \"1h\" or \"5d\"";
  if (!node->is_string()) return mismatch(key, *node, kExpected);
  auto d = parse_duration(node->as_string()->get());
  if (!d) return mismatch(key, *node, kExpected);
  out = *d;
}

void TableReader::string_list(std::string_view key, std::vector<std::string>& out) {
  const toml::node* node = take(key);
  if (node == nullptr) return;
  if (!node->is_array()) return mismatch(key, *node, "an array of strings");
  std::vector<std::string> items;
  bool ok = true;
  std::size_t i = 0;
  for (const toml::node& item : *node->as_array()) {
    const std::string item_path = key_path(key) + "[" + std::to_string(i++) + "]";
    if (!item.is_string()) {
      problem_at(item, item_path, "expected a string, got " + describe_value(item));
      ok = false;
      continue;
    }
    source_.note(item_path, line_of(item.source()));
    items.push_back(item.as_string()->get());
  }
  if (ok) out = std::move(items);
}

void TableReader::string_or_list(std::string_view key, std::vector<std::string>& out) {
  const toml::node* node = table_.get(key);
  if (node != nullptr && node->is_string()) {
    take(key);
    out = {node->as_string()->get()};
    return;
  }
  if (node != nullptr && !node->is_array()) {
    take(key);
    return mismatch(key, *node, "a string or an array of strings");
  }
  string_list(key, out);
}

void TableReader::duration_list(std::string_view key, std::vector<std::chrono::seconds>& out) {
  const toml::node* node = take(key);
  if (node == nullptr) return;
  constexpr std::string_view kExpected =
      "an array of durations such as [\"5m\", \"1h\"]";
  if (!node->is_array()) return mismatch(key, *node, kExpected);
  std::vector<std::chrono::seconds> items;
  bool ok = true;
  std::size_t i = 0;
  for (const toml::node& item : *node->as_array()) {
    const std::string item_path = key_path(key) + "[" + std::to_string(i++) + "]";
    auto d = item.is_string() ? parse_duration(item.as_string()->get())
                              : core::Result<std::chrono::seconds>(core::Error::invalid(""));
    if (!d) {
      problem_at(item, item_path,
                 "expected a duration such as \"30s\", \"10m\", \"1h\" or \"5d\", got " +
                     describe_value(item));
      ok = false;
      continue;
    }
    source_.note(item_path, line_of(item.source()));
    items.push_back(*d);
  }
  if (ok) out = std::move(items);
}

const toml::table* TableReader::table(std::string_view key) {
  const toml::node* node = take(key);
  if (node == nullptr) return nullptr;
  if (!node->is_table()) {
    mismatch(key, *node, "a table");
    return nullptr;
  }
  return node->as_table();
}

void TableReader::finish() {
  for (const auto& [key, node] : table_) {
    if (taken_.count(key.str()) != 0) continue;
    const std::uint32_t line = line_of(key.source());
    const std::string full = key_path(key.str());
    source_.note(full, line);
    const bool table = node.is_table();
    problems_.add(line, source_.problem(full, (table ? "unknown table" : "unknown key") +
                                                  unknown_key_hint(key.str(), taken_,
                                                                   path_.empty() ? "tables"
                                                                                 : "keys")));
  }
}

}  // namespace stsrelay::app
