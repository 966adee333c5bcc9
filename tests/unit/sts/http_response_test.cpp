// Table test of the RFC 8461 §3.3 rules a policy response head must pass (check_policy_response).
#include "sts/http_response.hpp"

#include <gtest/gtest.h>

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace stsrelay::sts {
namespace {

struct CheckRow {
  const char* name;
  int status;
  std::optional<std::string> content_type;
  std::optional<FetchError> want;
  std::optional<std::uint64_t> content_length = {};
  std::optional<std::string> location = {};
};

TEST(PolicyResponse, Rfc8461Section33) {
  const std::vector<CheckRow> rows = {
      {"200 text/plain", 200, "text/plain", std::nullopt},
      {"charset parameter", 200, "text/plain; charset=utf-8", std::nullopt},
      {"parameter without space", 200, "text/plain;charset=UTF-8", std::nullopt},
      {"upper-case media type", 200, "TEXT/Plain", std::nullopt},
      {"length at the limit", 200, "text/plain", std::nullopt, 65536},
      {"length above the limit", 200, "text/plain", FetchError::too_large, 65537},
      {"text/html", 200, "text/html", FetchError::content_type},
      {"application/octet-stream", 200, "application/octet-stream", FetchError::content_type},
      {"text/plainx", 200, "text/plainx", FetchError::content_type},
      {"no Content-Type", 200, std::nullopt, FetchError::content_type},
      {"301 never followed", 301, std::nullopt, FetchError::redirect, {}, "/x"},
      {"302", 302, std::nullopt, FetchError::redirect, {}, "https://a.example/"},
      {"307", 307, std::nullopt, FetchError::redirect},
      {"308", 308, std::nullopt, FetchError::redirect},
      {"304 is a 3xx too", 304, std::nullopt, FetchError::redirect},
      {"404", 404, "text/plain", FetchError::http_status},
      {"204", 204, "text/plain", FetchError::http_status},
      {"206", 206, "text/plain", FetchError::http_status},
      {"500", 500, std::nullopt, FetchError::http_status},
  };
  for (const CheckRow& row : rows) {
    SCOPED_TRACE(row.name);
    ResponseHead head;
    head.status = row.status;
    head.content_type = row.content_type;
    head.content_length = row.content_length;
    head.location = row.location;
    auto rejection = check_policy_response(head, 65536);
    ASSERT_EQ(rejection.has_value(), row.want.has_value())
        << (rejection ? rejection->detail : "accepted");
    if (rejection) {
      EXPECT_EQ(to_string(rejection->error), to_string(*row.want));
      EXPECT_FALSE(rejection->detail.empty());
    }
  }
}

}  // namespace
}  // namespace stsrelay::sts
