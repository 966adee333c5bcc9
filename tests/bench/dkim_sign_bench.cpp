// The CPU a DKIM signature costs on the accept path (QueueSink::prepare → dkim::sign_relayed):
// the author lookup, canonicalisation, body hash and the private-key operation, for the message
// smtp-source sends in the accept benchmark (1 KiB) and one of 100 KiB.
//
//   BM_SignRelayed/<key>/<size>   key 0: Ed25519, 1: RSA-2048, 2: both (RSA first); size in KiB
//
// Google Benchmark prints the time per signed message; run `build/tests/bench/dkim_sign_bench`.
#include <benchmark/benchmark.h>

#include <string>

#include "src/dkim/relay_signing.hpp"

namespace {

using namespace stsrelay;

dkim::SigningKey key_of(dkim::DkimKeyType type, const char* selector) {
  auto key = dkim::DkimKey::generate(type, 2048);
  if (!key) std::abort();
  return {"example.org", selector, *key, selector};
}

const dkim::SigningKeys& keys(int which) {
  static const auto ed = key_of(dkim::DkimKeyType::ed25519, "ed");
  static const auto rsa = key_of(dkim::DkimKeyType::rsa, "rsa");
  static const dkim::SigningKeys sets[] = {*dkim::SigningKeys::make({ed}),
                                           *dkim::SigningKeys::make({rsa}),
                                           *dkim::SigningKeys::make({rsa, ed})};
  return sets[which];
}

// What the relay stores for smtp-source's message: its Received: field, smtp-source's header,
// and lines of 78 'X' up to the size.
std::string message(std::size_t kib) {
  std::string m =
      "Received: from client.bench.test ([127.0.0.1]) by relay.test (stsrelay)\r\n"
      "\twith ESMTP id 1M97MYCXV006PK2Q; Mon, 07 Dec 2026 10:00:00 +0000\r\n"
      "From: <bench@example.org>\r\nTo: <rcpt@example.com>\r\n"
      "Date: Mon,  7 Dec 2026 11:08:20 +0000 (UTC)\r\nMessage-Id: <1ffe.0003.0000@vm>\r\n\r\n";
  while (m.size() < kib * 1024) m += std::string(78, 'X') + "\r\n";
  return m;
}

void BM_SignRelayed(benchmark::State& state) {
  const dkim::SigningKeys& k = keys(static_cast<int>(state.range(0)));
  const std::string m = message(static_cast<std::size_t>(state.range(1)));
  const core::SysTime now = core::from_unix(1'800'000'000);
  for (auto _ : state) {
    dkim::RelaySigning s = dkim::sign_relayed(m, k, now);
    if (s.signed_as.empty()) state.SkipWithError("not signed");
    benchmark::DoNotOptimize(s.fields);
  }
}
BENCHMARK(BM_SignRelayed)->ArgsProduct({{0, 1, 2}, {1, 100}})->Unit(benchmark::kMicrosecond);

}  // namespace

BENCHMARK_MAIN();
