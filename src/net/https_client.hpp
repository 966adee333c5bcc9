// The production HttpsFetcher: resolves the URL's host through the Resolver (A, then AAAA),
// connects to each address in turn on port 443 (or the URL's port), runs TLS 1.2+ with SNI and
// PKIX verification of the host name (https_tls), and speaks HTTP/2 when ALPN selects h2
// (h2_session, nghttp2) or HTTP/1.1 otherwise (https_http1, Beast).
//
// Every request is bounded as a whole by request.timeout: when it passes, the socket is closed
// and the result is a timeout, whatever step was running. DNS is bounded by the resolver's own
// tries and timeouts; a request whose deadline passed during the lookup stops there. Each request
// runs on its own strand of the executor. Redirects are never followed.
#pragma once

#include <memory>
#include <string>

#include <boost/asio/any_io_executor.hpp>

#include "src/core/result.hpp"
#include "src/net/dns_resolver.hpp"
#include "src/net/https_fetcher.hpp"

namespace stsrelay::net {

struct HttpsClientSettings {
  std::string ca_file;  // delivery.ca_file; empty: the system trust store
  std::string user_agent = "stsrelay";
};

class HttpsClient final : public HttpsFetcher {
 public:
  // Fails (ErrorKind::invalid) when the CA file cannot be loaded. `resolver` must outlive every
  // request started through this client.
  static core::Result<std::unique_ptr<HttpsClient>> create(boost::asio::any_io_executor ex,
                                                           Resolver& resolver,
                                                           HttpsClientSettings settings);
  ~HttpsClient() override;

  // `done` runs on the request's strand. Requests still running when the client is destroyed
  // finish normally (they keep what they need alive).
  void fetch(HttpsRequest request, Callback done) override;

  class Impl;

 private:
  explicit HttpsClient(std::shared_ptr<Impl> impl) : impl_(std::move(impl)) {}
  std::shared_ptr<Impl> impl_;
};

}  // namespace stsrelay::net
