#include "src/net/https_types.hpp"

namespace stsrelay::net {

std::string_view to_string(HttpMethod method) {
  switch (method) {
    case HttpMethod::get: return "GET";
    case HttpMethod::post: return "POST";
  }
  return "GET";
}

std::string_view to_string(HttpProtocol protocol) {
  switch (protocol) {
    case HttpProtocol::http1_1: return "http/1.1";
    case HttpProtocol::h2: return "h2";
  }
  return "http/1.1";
}

std::string_view to_string(HttpsErrorKind kind) {
  switch (kind) {
    case HttpsErrorKind::url: return "url";
    case HttpsErrorKind::dns: return "dns";
    case HttpsErrorKind::connect: return "connect";
    case HttpsErrorKind::tls: return "tls";
    case HttpsErrorKind::timeout: return "timeout";
    case HttpsErrorKind::too_large: return "too-large";
    case HttpsErrorKind::protocol: return "protocol";
  }
  return "protocol";
}

std::optional<std::string> HttpsResponse::header(std::string_view lower_name) const {
  for (const auto& [name, value] : headers) {
    if (name == lower_name) return value;
  }
  return std::nullopt;
}

}  // namespace stsrelay::net
