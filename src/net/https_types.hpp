// Values of the HTTPS client: a request, a response, and a failure classified by the step that
// failed. Plain values only (no Asio, no OpenSSL), so that sts and tlsrpt code and their fakes can
// use them.
//
// The client never follows redirects: a 3xx is a response like any other, with its Location
// (RFC 8461 §3.3 forbids following them for policies; TLS-RPT posts have no use for them).
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

namespace stsrelay::net {

enum class HttpMethod { get, post };
std::string_view to_string(HttpMethod method);

struct HttpsRequest {
  HttpMethod method = HttpMethod::get;
  std::string url;           // https://host[:port]/path[?query]
  std::string content_type;  // POST only
  std::string body;          // POST only
  // The whole request, DNS to the last body byte, ends by this time (sts.fetch_timeout).
  std::chrono::milliseconds timeout{60'000};
  // Each TCP connect attempt (one per resolved address) gives up after this, within `timeout`.
  std::chrono::milliseconds connect_timeout{15'000};
  std::uint64_t max_body = 64 * 1024;  // a larger response body fails with too_large
};

enum class HttpProtocol { http1_1, h2 };
std::string_view to_string(HttpProtocol protocol);  // "http/1.1", "h2" (the ALPN tokens)

struct HttpsResponse {
  int status = 0;
  // Header fields as received, names lower-cased (RFC 9110 §5.1: case-insensitive).
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;  // decoded from chunked or DATA frames; no content coding is asked for
  HttpProtocol protocol = HttpProtocol::http1_1;
  std::string peer;  // "192.0.2.1:443", the address that answered
  // The server's (verified) leaf certificate: its subjectAltName DNS names and notAfter
  // ("2026-11-28T13:50:59Z"), for `stsrelay check`.
  std::vector<std::string> certificate_names;
  std::string certificate_not_after;

  // The first value of a field, by lower-case name.
  std::optional<std::string> header(std::string_view lower_name) const;
  std::optional<std::string> content_type() const { return header("content-type"); }
  std::optional<std::string> location() const { return header("location"); }
};

// Which step failed. Each maps to its own reason in logs and, for policy fetches, to a TLS-RPT
// result type (sts/policy_fetcher).
enum class HttpsErrorKind {
  url,        // the URL is not an https URL we can fetch
  dns,        // the host name has no A/AAAA address, or the lookup failed
  connect,    // no address accepted a TCP connection
  tls,        // handshake failed; `webpki` says whether certificate verification was the cause
  timeout,    // the request's total deadline passed
  too_large,  // the body (or the head) exceeded its limit
  protocol,   // the peer broke HTTP/1.1 or HTTP/2, or closed early
};
std::string_view to_string(HttpsErrorKind kind);

struct HttpsError {
  HttpsErrorKind kind = HttpsErrorKind::protocol;
  // For tls: the certificate did not verify for the host (PKIX chain, expiry or name), as
  // opposed to a handshake that failed for another reason. RFC 8460 §4.3.2.2 sts-webpki-invalid.
  bool webpki = false;
  std::string reason;  // with context: address, step, OpenSSL's verify reason
};

class HttpsResult {
 public:
  HttpsResult(HttpsResponse r) : v_(std::in_place_index<0>, std::move(r)) {}
  HttpsResult(HttpsError e) : v_(std::in_place_index<1>, std::move(e)) {}

  bool ok() const { return v_.index() == 0; }
  const HttpsResponse& value() const { return std::get<0>(v_); }
  HttpsResponse& value() { return std::get<0>(v_); }
  const HttpsError& error() const { return std::get<1>(v_); }

 private:
  std::variant<HttpsResponse, HttpsError> v_;
};

}  // namespace stsrelay::net
