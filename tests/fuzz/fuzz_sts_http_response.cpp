// Fuzz target: the HTTP/1.1 response head parser, the §3.3 response check and the body reader
// used by the policy fetcher. The first byte picks the split size, so that the incremental
// paths are exercised; the answer must not depend on how the bytes were split.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "sts/http_body.hpp"
#include "sts/http_response.hpp"

namespace {

using stsrelay::sts::BodyReader;
using stsrelay::sts::BodyState;
using stsrelay::sts::ResponseHeadParser;

struct Outcome {
  ResponseHeadParser::State head_state;
  BodyState body_state = BodyState::need_more;
  int status = 0;
  std::string body;
};

Outcome run(std::string_view in, std::size_t step) {
  constexpr std::uint64_t kMaxBody = 4096;
  ResponseHeadParser parser(2048, 20);
  Outcome out{ResponseHeadParser::State::need_more, BodyState::need_more, 0, {}};
  std::size_t pos = 0;
  while (pos < in.size() && out.head_state == ResponseHeadParser::State::need_more) {
    std::size_t n = std::min(step, in.size() - pos);
    std::size_t consumed = 0;
    out.head_state = parser.feed(in.substr(pos, n), consumed);
    if (consumed > n) std::abort();
    pos += consumed;
    if (out.head_state == ResponseHeadParser::State::need_more && consumed != n) std::abort();
  }
  if (out.head_state != ResponseHeadParser::State::done) return out;
  out.status = parser.head().status;
  (void)stsrelay::sts::check_policy_response(parser.head(), kMaxBody);
  BodyReader body(parser.head(), kMaxBody);
  while (pos < in.size() && body.state() == BodyState::need_more) {
    std::size_t n = std::min(step, in.size() - pos);
    body.feed(in.substr(pos, n));
    pos += n;
  }
  out.body_state = body.finish();
  if (body.body().size() > kMaxBody) std::abort();
  out.body = body.body();
  return out;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  std::size_t step = data[0] % 16 + 1;
  std::string_view in(reinterpret_cast<const char*>(data + 1), size - 1);
  Outcome whole = run(in, in.size() + 1);
  Outcome pieces = run(in, step);
  if (whole.head_state != pieces.head_state || whole.status != pieces.status ||
      whole.body_state != pieces.body_state || whole.body != pieces.body) {
    std::abort();
  }
  return 0;
}
