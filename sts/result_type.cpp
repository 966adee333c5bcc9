#include "sts/result_type.hpp"

#include "src/core/enum_names.hpp"

namespace stsrelay::sts {
namespace {

constexpr core::EnumNameList<ResultType::dane_required> kResultTypeNames{{
    "starttls-not-supported", "certificate-host-mismatch", "certificate-expired",
    "certificate-not-trusted", "validation-failure",
    "sts-policy-fetch-error", "sts-policy-invalid", "sts-webpki-invalid",
    "tlsa-invalid", "dnssec-invalid", "dane-required",
}, "validation-failure"};

constexpr core::EnumNameList<FetchError::syntax> kFetchErrorNames{{
    "dns", "connect", "tls", "http-status", "redirect", "content-type", "too-large", "timeout",
    "http-syntax", "syntax",
}, "unknown"};

}  // namespace

std::string_view to_string(ResultType type) { return kResultTypeNames.name(type); }

std::optional<ResultType> parse_result_type(std::string_view token) {
  return kResultTypeNames.parse(token);
}

std::string_view to_string(FetchError error) { return kFetchErrorNames.name(error); }

ResultType result_type_for(FetchError error) {
  switch (error) {
    case FetchError::tls: return ResultType::sts_webpki_invalid;
    case FetchError::syntax: return ResultType::sts_policy_invalid;
    case FetchError::dns:
    case FetchError::connect:
    case FetchError::http_status:
    case FetchError::redirect:
    case FetchError::content_type:
    case FetchError::too_large:
    case FetchError::timeout:
    case FetchError::http_syntax: return ResultType::sts_policy_fetch_error;
  }
  return ResultType::sts_policy_fetch_error;
}

}  // namespace stsrelay::sts
