// Table tests of the HTTP/1.1 response head parser, the RFC 8461 §3.3 response rules, and the
// bounded body readers. Every head is fed whole, byte by byte, and in two halves.
#include "sts/http_body.hpp"
#include "sts/http_response.hpp"

#include <gtest/gtest.h>

namespace stsrelay::sts {
namespace {

using State = ResponseHeadParser::State;

// Feeds `text` in pieces of `step` bytes (0: all at once); returns the state and the body bytes
// that followed the head.
State parse_head(std::string_view text, std::size_t step, ResponseHeadParser& parser,
                 std::string& rest) {
  std::size_t pos = 0;
  State st = State::need_more;
  while (pos < text.size() && st == State::need_more) {
    std::size_t n = step == 0 ? text.size() - pos : std::min(step, text.size() - pos);
    std::size_t consumed = 0;
    st = parser.feed(text.substr(pos, n), consumed);
    EXPECT_LE(consumed, n);
    if (st == State::done) rest = std::string(text.substr(pos + consumed));
    pos += n;
  }
  return st;
}

struct HeadRow {
  const char* name;
  std::string text;
  State want;
  int status = 0;
  std::optional<std::string> content_type = {};
  std::optional<std::uint64_t> content_length = {};
  bool chunked = false;
  std::string rest = {};
};

TEST(ResponseHead, Table) {
  const std::vector<HeadRow> rows = {
      {"typical nginx", "HTTP/1.1 200 OK\r\nServer: nginx\r\nContent-Type: text/plain\r\n"
                        "Content-Length: 5\r\nConnection: close\r\n\r\nhello",
       State::done, 200, "text/plain", 5, false, "hello"},
      {"bare LF line endings", "HTTP/1.1 200 OK\nContent-Type: text/plain\n\nbody", State::done,
       200, "text/plain", std::nullopt, false, "body"},
      {"HTTP/1.0", "HTTP/1.0 200 OK\r\nContent-Type: text/plain\r\n\r\n", State::done, 200,
       "text/plain"},
      {"no reason phrase", "HTTP/1.1 200\r\n\r\n", State::done, 200},
      {"empty reason phrase", "HTTP/1.1 200 \r\n\r\n", State::done, 200},
      {"chunked", "HTTP/1.1 200 OK\r\nTransfer-Encoding: Chunked\r\n\r\n5\r\n", State::done, 200,
       std::nullopt, std::nullopt, true, "5\r\n"},
      {"header names case-insensitive", "HTTP/1.1 200 OK\r\ncontent-type:text/plain\r\n"
                                        "CONTENT-LENGTH:  7  \r\n\r\n",
       State::done, 200, "text/plain", 7},
      {"repeated equal Content-Length", "HTTP/1.1 200 OK\r\nContent-Length: 3\r\n"
                                        "Content-Length: 3\r\n\r\n",
       State::done, 200, std::nullopt, 3},
      {"100 Continue skipped", "HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 404 Not Found\r\n\r\n",
       State::done, 404},
      {"redirect with Location", "HTTP/1.1 301 Moved\r\nLocation: https://evil.example/\r\n\r\n",
       State::done, 301},
      {"incomplete head", "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\n", State::need_more},
      {"HTTP/2 status line", "HTTP/2 200\r\n\r\n", State::error},
      {"not HTTP", "SSH-2.0-OpenSSH_9.2\r\n", State::error},
      {"leading empty line", "\r\nHTTP/1.1 200 OK\r\n\r\n", State::error},
      {"two-digit status", "HTTP/1.1 20 OK\r\n\r\n", State::error},
      {"four-digit status", "HTTP/1.1 2000 OK\r\n\r\n", State::error},
      {"status below 100", "HTTP/1.1 099 Odd\r\n\r\n", State::error},
      {"obs-fold", "HTTP/1.1 200 OK\r\nContent-Type: text/\r\n plain\r\n\r\n", State::error},
      {"space before colon", "HTTP/1.1 200 OK\r\nContent-Length : 5\r\n\r\n", State::error},
      {"header without colon", "HTTP/1.1 200 OK\r\nBroken\r\n\r\n", State::error},
      {"Content-Length not digits", "HTTP/1.1 200 OK\r\nContent-Length: 5x\r\n\r\n",
       State::error},
      {"Content-Length negative", "HTTP/1.1 200 OK\r\nContent-Length: -1\r\n\r\n", State::error},
      {"Content-Length list", "HTTP/1.1 200 OK\r\nContent-Length: 5, 5\r\n\r\n", State::error},
      {"Content-Length huge", "HTTP/1.1 200 OK\r\nContent-Length: 99999999999999999999999\r\n\r\n",
       State::error},
      {"conflicting Content-Length", "HTTP/1.1 200 OK\r\nContent-Length: 5\r\n"
                                     "Content-Length: 6\r\n\r\n",
       State::error},
      {"gzip transfer coding", "HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip, chunked\r\n\r\n",
       State::error},
      {"chunked twice", "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n"
                        "Transfer-Encoding: chunked\r\n\r\n",
       State::error},
      {"chunked in HTTP/1.0", "HTTP/1.0 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n",
       State::error},
      {"NUL in header value", std::string("HTTP/1.1 200 OK\r\nX: a\0b\r\n\r\n", 26),
       State::error},
      {"bare CR in header value", "HTTP/1.1 200 OK\r\nX: a\rb\r\n\r\n", State::error},
  };
  for (const HeadRow& row : rows) {
    for (std::size_t step : {std::size_t{0}, std::size_t{1}, row.text.size() / 2 + 1}) {
      SCOPED_TRACE(std::string(row.name) + " step=" + std::to_string(step));
      ResponseHeadParser parser;
      std::string rest;
      State st = parse_head(row.text, step, parser, rest);
      EXPECT_EQ(st, row.want) << parser.error();
      if (row.want == State::error) {
        EXPECT_FALSE(parser.error().empty());
      }
      if (row.want != State::done || st != State::done) continue;
      EXPECT_EQ(parser.head().status, row.status);
      EXPECT_EQ(parser.head().content_type, row.content_type);
      EXPECT_EQ(parser.head().content_length, row.content_length);
      EXPECT_EQ(parser.head().chunked, row.chunked);
      EXPECT_EQ(rest, row.rest);
    }
  }
}

TEST(ResponseHead, Bounded) {
  ResponseHeadParser small(64, 3);
  std::size_t consumed = 0;
  EXPECT_EQ(small.feed("HTTP/1.1 200 OK\r\nX-Long: " + std::string(100, 'a'), consumed),
            State::error);
  ResponseHeadParser few(16 * 1024, 3);
  EXPECT_EQ(few.feed("HTTP/1.1 200 OK\r\nA: 1\r\nB: 2\r\nC: 3\r\nD: 4\r\n\r\n", consumed),
            State::error);
  EXPECT_NE(few.error().find("more than 3"), std::string::npos);
  // A line that never ends is cut at the head limit, not buffered for ever.
  ResponseHeadParser endless;
  State st = State::need_more;
  for (int i = 0; i < 1000 && st == State::need_more; ++i) {
    st = endless.feed(std::string(1024, 'x'), consumed);
  }
  EXPECT_EQ(st, State::error);
}

struct CheckRow {
  const char* name;
  std::string head;
  std::optional<FetchError> want;
};

TEST(PolicyResponse, Rfc8461Section33) {
  const std::vector<CheckRow> rows = {
      {"200 text/plain", "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\n\r\n", std::nullopt},
      {"charset parameter", "HTTP/1.1 200 OK\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n",
       std::nullopt},
      {"parameter without space", "HTTP/1.1 200 OK\r\nContent-Type: text/plain;charset=UTF-8\r\n"
                                  "\r\n",
       std::nullopt},
      {"upper-case media type", "HTTP/1.1 200 OK\r\nContent-Type: TEXT/Plain\r\n\r\n",
       std::nullopt},
      {"length at the limit", "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\n"
                              "Content-Length: 65536\r\n\r\n",
       std::nullopt},
      {"length above the limit", "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\n"
                                 "Content-Length: 65537\r\n\r\n",
       FetchError::too_large},
      {"text/html", "HTTP/1.1 200 OK\r\nContent-Type: text/html\r\n\r\n", FetchError::content_type},
      {"application/octet-stream", "HTTP/1.1 200 OK\r\nContent-Type: application/octet-stream\r\n"
                                   "\r\n",
       FetchError::content_type},
      {"text/plainx", "HTTP/1.1 200 OK\r\nContent-Type: text/plainx\r\n\r\n",
       FetchError::content_type},
      {"no Content-Type", "HTTP/1.1 200 OK\r\n\r\n", FetchError::content_type},
      {"301 never followed", "HTTP/1.1 301 Moved Permanently\r\nLocation: /x\r\n\r\n",
       FetchError::redirect},
      {"302", "HTTP/1.1 302 Found\r\nLocation: https://a.example/\r\n\r\n", FetchError::redirect},
      {"307", "HTTP/1.1 307 Temporary Redirect\r\n\r\n", FetchError::redirect},
      {"308", "HTTP/1.1 308 Permanent Redirect\r\n\r\n", FetchError::redirect},
      {"304 is a 3xx too", "HTTP/1.1 304 Not Modified\r\n\r\n", FetchError::redirect},
      {"404", "HTTP/1.1 404 Not Found\r\nContent-Type: text/plain\r\n\r\n",
       FetchError::http_status},
      {"204", "HTTP/1.1 204 No Content\r\nContent-Type: text/plain\r\n\r\n",
       FetchError::http_status},
      {"206", "HTTP/1.1 206 Partial Content\r\nContent-Type: text/plain\r\n\r\n",
       FetchError::http_status},
      {"500", "HTTP/1.1 500 Internal Server Error\r\n\r\n", FetchError::http_status},
  };
  for (const CheckRow& row : rows) {
    SCOPED_TRACE(row.name);
    ResponseHeadParser parser;
    std::size_t consumed = 0;
    ASSERT_EQ(parser.feed(row.head, consumed), State::done) << parser.error();
    auto rejection = check_policy_response(parser.head(), 65536);
    ASSERT_EQ(rejection.has_value(), row.want.has_value())
        << (rejection ? rejection->detail : "accepted");
    if (rejection) {
      EXPECT_EQ(to_string(rejection->error), to_string(*row.want));
      EXPECT_FALSE(rejection->detail.empty());
    }
  }
}

struct ChunkRow {
  const char* name;
  std::string text;
  BodyState want;
  std::string body = {};
  std::optional<FetchError> error = {};
};

TEST(ChunkedDecoder, Table) {
  const std::vector<ChunkRow> rows = {
      {"two chunks", "5\r\nhello\r\n6\r\n world\r\n0\r\n\r\n", BodyState::done, "hello world"},
      {"hex sizes, either case", "6\r\nabcdef\r\nA\r\n0123456789\r\n0\r\n\r\n", BodyState::done,
       "abcdef0123456789"},
      {"chunk extension ignored", "5;name=value\r\nhello\r\n0;last\r\n\r\n", BodyState::done,
       "hello"},
      {"trailer fields dropped", "5\r\nhello\r\n0\r\nX-Trailer: 1\r\n\r\n", BodyState::done,
       "hello"},
      {"bare LF", "5\nhello\n0\n\n", BodyState::done, "hello"},
      {"leading zeros", "0005\r\nhello\r\n0\r\n\r\n", BodyState::done, "hello"},
      {"empty body", "0\r\n\r\n", BodyState::done, ""},
      {"at the limit", "10\r\n0123456789abcdef\r\n0\r\n\r\n", BodyState::done,
       "0123456789abcdef"},
      {"unfinished", "5\r\nhel", BodyState::need_more},
      {"missing final CRLF", "5\r\nhello\r\n0\r\n", BodyState::need_more},
      {"above the limit in one chunk", "11\r\n", BodyState::error, "", FetchError::too_large},
      {"above the limit over chunks", "a\r\n0123456789\r\n7\r\n", BodyState::error, "",
       FetchError::too_large},
      {"size not hex", "xyz\r\n", BodyState::error, "", FetchError::http_syntax},
      {"size with junk", "5x\r\nhello\r\n", BodyState::error, "", FetchError::http_syntax},
      {"empty size line", "\r\n", BodyState::error, "", FetchError::http_syntax},
      {"negative size", "-1\r\n", BodyState::error, "", FetchError::http_syntax},
      {"size overflow", "ffffffffffffffffffff\r\n", BodyState::error, "",
       FetchError::http_syntax},
      {"data longer than size", "3\r\nhello\r\n", BodyState::error, "", FetchError::http_syntax},
  };
  for (const ChunkRow& row : rows) {
    for (std::size_t step : {std::size_t{0}, std::size_t{1}, std::size_t{3}}) {
      SCOPED_TRACE(std::string(row.name) + " step=" + std::to_string(step));
      ChunkedDecoder decoder(16);
      std::string out;
      BodyState st = BodyState::need_more;
      for (std::size_t pos = 0; pos < row.text.size() && st == BodyState::need_more;) {
        std::size_t n = step == 0 ? row.text.size() : std::min(step, row.text.size() - pos);
        std::size_t consumed = 0;
        st = decoder.feed(std::string_view(row.text).substr(pos, n), out, consumed);
        pos += n;
      }
      EXPECT_EQ(st, row.want);
      if (row.want == BodyState::done) {
        EXPECT_EQ(out, row.body);
      }
      if (row.error) {
        ASSERT_TRUE(decoder.error().has_value());
        EXPECT_EQ(to_string(decoder.error()->error), to_string(*row.error));
      }
    }
  }
}

TEST(ChunkedDecoder, LeavesBytesAfterTheMessage) {
  ChunkedDecoder decoder(100);
  std::string out;
  std::size_t consumed = 0;
  std::string_view input = "2\r\nok\r\n0\r\n\r\nNEXT";
  EXPECT_EQ(decoder.feed(input, out, consumed), BodyState::done);
  EXPECT_EQ(input.substr(consumed), "NEXT");
}

ResponseHead head_of(std::string_view text) {
  ResponseHeadParser parser;
  std::size_t consumed = 0;
  EXPECT_EQ(parser.feed(text, consumed), State::done);
  return parser.head();
}

TEST(BodyReader, Framings) {
  // Content-Length: exactly that many bytes.
  BodyReader by_length(head_of("HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\n"), 100);
  EXPECT_EQ(by_length.feed("hel"), BodyState::need_more);
  EXPECT_EQ(by_length.feed("lo, and more"), BodyState::done);
  EXPECT_EQ(by_length.body(), "hello");

  // Truncated Content-Length body.
  BodyReader truncated(head_of("HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\n"), 100);
  EXPECT_EQ(truncated.feed("hel"), BodyState::need_more);
  EXPECT_EQ(truncated.finish(), BodyState::error);
  EXPECT_EQ(truncated.error()->error, FetchError::http_syntax);

  // Content-Length above the cap fails before any byte is read.
  BodyReader big(head_of("HTTP/1.1 200 OK\r\nContent-Length: 101\r\n\r\n"), 100);
  EXPECT_EQ(big.state(), BodyState::error);
  EXPECT_EQ(big.error()->error, FetchError::too_large);

  // Zero length is complete at once.
  BodyReader empty(head_of("HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n"), 100);
  EXPECT_EQ(empty.state(), BodyState::done);

  // Close-delimited: complete at end of stream, capped on the way.
  BodyReader until_close(head_of("HTTP/1.1 200 OK\r\n\r\n"), 10);
  EXPECT_EQ(until_close.feed("0123456789"), BodyState::need_more);
  EXPECT_EQ(until_close.finish(), BodyState::done);
  EXPECT_EQ(until_close.body(), "0123456789");
  BodyReader too_long(head_of("HTTP/1.1 200 OK\r\n\r\n"), 10);
  EXPECT_EQ(too_long.feed("0123456789a"), BodyState::error);
  EXPECT_EQ(too_long.error()->error, FetchError::too_large);

  // Chunked wins over Content-Length (RFC 9112 §6.3).
  BodyReader chunked(head_of("HTTP/1.1 200 OK\r\nContent-Length: 1\r\n"
                             "Transfer-Encoding: chunked\r\n\r\n"),
                     100);
  EXPECT_EQ(chunked.feed("3\r\nabc\r\n0\r\n\r\n"), BodyState::done);
  EXPECT_EQ(chunked.body(), "abc");
  BodyReader chunked_cut(head_of("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"), 100);
  EXPECT_EQ(chunked_cut.feed("3\r\nab"), BodyState::need_more);
  EXPECT_EQ(chunked_cut.finish(), BodyState::error);
}

}  // namespace
}  // namespace stsrelay::sts
