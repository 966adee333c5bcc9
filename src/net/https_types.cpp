#include "src/net/https_types.hpp"

#include "src/core/enum_names.hpp"

namespace stsrelay::net {

namespace {

constexpr core::EnumNameList<HttpMethod::post> kMethodNames{{"GET", "POST"}, "GET"};
constexpr core::EnumNameList<HttpProtocol::h2> kProtocolNames{{"http/1.1", "h2"}, "http/1.1"};
constexpr core::EnumNameList<HttpsErrorKind::protocol> kErrorKindNames{
    {"url", "dns", "connect", "tls", "timeout", "too-large", "protocol"}, "protocol"};

}  // namespace

std::string_view to_string(HttpMethod method) { return kMethodNames.name(method); }

std::string_view to_string(HttpProtocol protocol) { return kProtocolNames.name(protocol); }

std::string_view to_string(HttpsErrorKind kind) { return kErrorKindNames.name(kind); }

std::optional<std::string> HttpsResponse::header(std::string_view lower_name) const {
  for (const auto& [name, value] : headers) {
    if (name == lower_name) return value;
  }
  return std::nullopt;
}

}  // namespace stsrelay::net
