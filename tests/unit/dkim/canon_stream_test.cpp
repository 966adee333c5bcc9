// The streaming relaxed body canonicaliser (RelaxedBodyCanon) and BodyHasher against the
// whole-buffer forms: every way of cutting a body into two or three chunks, cuts inside CRLF,
// inside runs of whitespace and inside the trailing empty lines, must give the same canonical
// bytes and the same bh=. A plain line-by-line reading of RFC 6376 §3.4.4 is the oracle.
#include <gtest/gtest.h>

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "src/core/ascii.hpp"
#include "src/dkim/canon.hpp"
#include "src/dkim/signer.hpp"

namespace stsrelay::dkim {
namespace {

// RFC 6376 §3.4.4 read literally: split into CRLF lines; in each, reduce whitespace runs to one
// SP and drop it at the line end (stray CR or LF octets are not content); drop empty lines at
// the end; end every remaining line with CRLF.
std::string oracle(std::string_view body) {
  std::vector<std::string> lines;
  std::size_t pos = 0;
  while (pos < body.size()) {
    std::size_t eol = body.find("\r\n", pos);
    if (eol == std::string_view::npos) eol = body.size();
    std::string line;
    bool space = false;
    for (char c : body.substr(pos, eol - pos)) {
      if (c == '\r' || c == '\n') continue;
      if (core::is_wsp(c)) {
        space = true;
        continue;
      }
      if (space) line += ' ';
      space = false;
      line += c;
    }
    lines.push_back(line);
    pos = eol == body.size() ? eol : eol + 2;
  }
  while (!lines.empty() && lines.back().empty()) lines.pop_back();
  std::string out;
  for (const auto& l : lines) out += l + "\r\n";
  return out;
}

const std::vector<std::pair<std::string, std::string>>& bodies() {
  static const std::vector<std::pair<std::string, std::string>> rows = {
      {"empty", ""},
      {"only CRLF", "\r\n"},
      {"trailing empty lines", "a\r\n\r\n\r\n"},
      {"empty lines between", "a\r\n\r\n\r\nb\r\n"},
      {"RFC 6376 example body", " C \r\nD \t E\r\n\r\n\r\n"},
      {"whitespace runs", "a  \t b\t\r\n  x  \r\n"},
      {"whitespace-only lines at the end", "a\r\n  \r\n\t\r\n"},
      {"no final CRLF", "a b"},
      {"no final CRLF after empty lines", "a\r\n\r\n\r\nb  "},
      {"bare CR inside a line", "a\rb\r\n"},
      {"bare LF inside a line", "a\nb\r\n"},
      {"CR CR LF", "a\r\r\nb"},
      {"trailing CR", "a\r"},
      {"leading space", "  a\r\n"},
      {"long run of empty lines then text", "\r\n\r\n\r\n\r\n\r\nz"},
  };
  return rows;
}

std::string chunked(std::string_view body, const std::vector<std::size_t>& cuts) {
  RelaxedBodyCanon canon;
  std::string out;
  std::size_t from = 0;
  for (std::size_t cut : cuts) {
    canon.feed(body.substr(from, cut - from), out);
    from = cut;
  }
  canon.feed(body.substr(from), out);
  canon.finish(out);
  return out;
}

TEST(RelaxedBodyCanon, WholeEqualsOracle) {
  for (const auto& [name, body] : bodies()) {
    SCOPED_TRACE(name);
    EXPECT_EQ(relaxed_body(body), oracle(body));
  }
}

TEST(RelaxedBodyCanon, EveryTwoAndThreeChunkSplitEqualsWhole) {
  for (const auto& [name, body] : bodies()) {
    SCOPED_TRACE(name);
    const std::string whole = relaxed_body(body);
    for (std::size_t a = 0; a <= body.size(); ++a) {
      EXPECT_EQ(chunked(body, {a}), whole) << "cut at " << a;
      for (std::size_t b = a; b <= body.size(); ++b) {
        EXPECT_EQ(chunked(body, {a, b}), whole) << "cuts at " << a << ", " << b;
      }
    }
  }
}

TEST(RelaxedBodyCanon, OneOctetAtATime) {
  for (const auto& [name, body] : bodies()) {
    SCOPED_TRACE(name);
    std::vector<std::size_t> cuts;
    for (std::size_t i = 1; i < body.size(); ++i) cuts.push_back(i);
    EXPECT_EQ(chunked(body, cuts), relaxed_body(body));
  }
}

// Random bodies over the octets canonicalisation cares about, cut at random places: the
// output is written as spans of the input where it can be, so every way a span can start, grow
// and break (runs of SP or HTAB, CRLF split across chunks, stray CR and LF) meets the oracle.
TEST(RelaxedBodyCanon, RandomBodiesAndCutsEqualOracle) {
  std::uint32_t state = 12345;
  const auto next = [&state](std::uint32_t bound) {
    state = state * 1664525u + 1013904223u;  // a fixed LCG: the same cases every run
    return (state >> 8) % bound;
  };
  const char alphabet[] = {'a', 'b', ' ', ' ', '\t', '\r', '\n', '\r'};
  for (int round = 0; round < 20000; ++round) {
    std::string body;
    const std::uint32_t length = next(40);
    for (std::uint32_t i = 0; i < length; ++i) {
      // Mostly CRLF pairs for line ends, as real bodies have them.
      if (next(6) == 0) {
        body += "\r\n";
      } else {
        body += alphabet[next(sizeof alphabet)];
      }
    }
    std::vector<std::size_t> cuts;
    for (std::size_t at = 0; at < body.size(); at += 1 + next(8)) {
      if (at > 0) cuts.push_back(at);
    }
    const std::string expected = oracle(body);
    ASSERT_EQ(relaxed_body(body), expected) << testing::PrintToString(body);
    ASSERT_EQ(chunked(body, cuts), expected) << testing::PrintToString(body);
  }
}

// split_message() finds the first bare CR or LF of a body sixteen octets at a time: random
// bodies of up to 70 octets (several blocks, line ends across their edges) against a plain
// octet-by-octet reading.
TEST(SplitMessage, FirstBareLineEndOfRandomBodies) {
  std::uint32_t state = 777;
  const auto next = [&state](std::uint32_t bound) {
    state = state * 1664525u + 1013904223u;
    return (state >> 8) % bound;
  };
  const std::string header = "From: a\r\n\r\n";
  for (int round = 0; round < 20000; ++round) {
    std::string body;
    const std::uint32_t length = next(70);
    const bool clean = next(2) == 0;  // half of them with CRLF only
    while (body.size() < length) {
      const std::uint32_t pick = next(20);
      if (pick == 0) {
        body += "\r\n";
      } else if (!clean && pick == 1) {
        body += '\r';
      } else if (!clean && pick == 2) {
        body += '\n';
      } else {
        body += 'x';
      }
    }
    std::size_t expected = std::string::npos;
    for (std::size_t i = 0; i < body.size() && expected == std::string::npos; ++i) {
      if ((body[i] == '\r' && (i + 1 == body.size() || body[i + 1] != '\n')) ||
          (body[i] == '\n' && (i == 0 || body[i - 1] != '\r'))) {
        expected = i;
      }
    }
    const std::string message = header + body;  // the split's views point into it
    auto split = split_message(message);
    if (expected == std::string::npos) {
      ASSERT_TRUE(split) << testing::PrintToString(body) << ": " << split.error().message;
      ASSERT_EQ(split->body, body);
    } else {
      ASSERT_FALSE(split) << testing::PrintToString(body);
      ASSERT_NE(split.error().message.find("at byte " + std::to_string(header.size() + expected)),
                std::string::npos)
          << testing::PrintToString(body) << ": " << split.error().message;
    }
  }
}

TEST(BodyHasher, ChunkedHashEqualsWholeHash) {
  // A body of many lines, fed in chunks of every size from 1 to 97 octets.
  std::string body;
  for (int i = 0; i < 200; ++i) body += "line " + std::to_string(i) + " \t with  space \r\n";
  body += "\r\n\r\n";
  const std::string want = body_hash(body);
  EXPECT_EQ(want, body_hash(std::string_view(body)));
  for (std::size_t size = 1; size < 98; ++size) {
    SCOPED_TRACE(size);
    BodyHasher hasher;
    for (std::size_t pos = 0; pos < body.size(); pos += size) {
      hasher.feed(std::string_view(body).substr(pos, size));
    }
    EXPECT_EQ(hasher.finish(), want);
  }
}

TEST(BodyHasher, EmptyBodyHashIsTheRfcValue) {
  // RFC 6376 §3.4.4 (relaxed): an empty body canonicalises to nothing; SHA-256 of "" in base64.
  BodyHasher hasher;
  EXPECT_EQ(hasher.finish(), "47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=");
}

}  // namespace
}  // namespace stsrelay::dkim
