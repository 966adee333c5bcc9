#include "smtp/client_capabilities.hpp"

#include <algorithm>
#include <limits>
#include <string_view>

#include "src/core/ascii.hpp"

namespace stsrelay::smtp {
namespace {

std::vector<std::string_view> split_words(std::string_view s) {
  std::vector<std::string_view> out;
  std::size_t i = 0;
  while (i < s.size()) {
    while (i < s.size() && (s[i] == ' ' || s[i] == '\t')) ++i;
    const std::size_t start = i;
    while (i < s.size() && s[i] != ' ' && s[i] != '\t') ++i;
    if (i > start) out.push_back(s.substr(start, i - start));
  }
  return out;
}

// RFC 1870 §4: size-param ::= [1*DIGIT]; 0 means no fixed maximum. Anything else is ignored
// (the keyword still says SIZE= may be sent).
std::optional<std::uint64_t> parse_size_limit(std::string_view text) {
  if (!core::is_digits(text)) return std::nullopt;
  std::uint64_t n = 0;
  for (char c : text) {
    const auto digit = static_cast<std::uint64_t>(c - '0');
    if (n > (std::numeric_limits<std::uint64_t>::max() - digit) / 10) {
      return std::numeric_limits<std::uint64_t>::max();
    }
    n = n * 10 + digit;
  }
  if (n == 0) return std::nullopt;
  return n;
}

void add_auth(Capabilities& caps, std::string_view mechanism) {
  std::string m = core::to_upper_ascii(mechanism);
  if (std::find(caps.auth.begin(), caps.auth.end(), m) == caps.auth.end()) {
    caps.auth.push_back(std::move(m));
  }
}

}  // namespace

Capabilities parse_ehlo(const Reply& reply) {
  Capabilities caps;
  caps.esmtp = true;
  if (!reply.lines.empty()) {
    std::vector<std::string_view> first = split_words(reply.lines.front());
    if (!first.empty()) caps.server_name = std::string(first.front().substr(0, 255));
  }
  for (std::size_t i = 1; i < reply.lines.size(); ++i) {
    std::vector<std::string_view> words = split_words(reply.lines[i]);
    if (words.empty()) continue;
    std::string_view keyword = words.front();
    // Pre-standard "AUTH=PLAIN LOGIN" (sent by old servers for old clients).
    std::string_view auth_inline;
    if (core::istarts_with(keyword, "AUTH=")) {
      auth_inline = keyword.substr(5);
      keyword = keyword.substr(0, 4);
    }
    const std::string key = core::to_upper_ascii(keyword);
    if (std::find(caps.keywords.begin(), caps.keywords.end(), key) == caps.keywords.end()) {
      caps.keywords.push_back(key);
    }
    if (key == "PIPELINING") {
      caps.pipelining = true;
    } else if (key == "SIZE") {
      caps.size = true;
      caps.size_limit = words.size() > 1 ? parse_size_limit(words[1]) : std::nullopt;
    } else if (key == "8BITMIME") {
      caps.eightbitmime = true;
    } else if (key == "SMTPUTF8") {
      caps.smtputf8 = true;
    } else if (key == "STARTTLS") {
      caps.starttls = true;
    } else if (key == "DSN") {
      caps.dsn = true;
    } else if (key == "ENHANCEDSTATUSCODES") {
      caps.enhanced_status_codes = true;
    } else if (key == "CHUNKING") {
      caps.chunking = true;
    } else if (key == "REQUIRETLS") {
      caps.requiretls = true;
    } else if (key == "AUTH") {
      if (!auth_inline.empty()) add_auth(caps, auth_inline);
      for (std::size_t w = 1; w < words.size(); ++w) add_auth(caps, words[w]);
    }
  }
  return caps;
}

}  // namespace stsrelay::smtp
