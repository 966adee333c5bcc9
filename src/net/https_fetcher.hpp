// The HTTPS client as the rest of stsrelay sees it: one request in, one HttpsResult out, through
// a callback that runs exactly once. No Asio, no OpenSSL here, so sts and tlsrpt depend on this
// interface and unit tests fake it; the production implementation is HttpsClient
// (https_client.hpp), and coroutine callers use net::await_call (await_callback.hpp).
#pragma once

#include <functional>

#include "src/net/https_types.hpp"

namespace stsrelay::net {

class HttpsFetcher {
 public:
  using Callback = std::function<void(HttpsResult)>;

  virtual ~HttpsFetcher() = default;

  // Returns at once; `done` runs later on a thread of the implementation's choice and must not
  // block. Redirects are never followed: a 3xx comes back as a response.
  virtual void fetch(HttpsRequest request, Callback done) = 0;
};

}  // namespace stsrelay::net
