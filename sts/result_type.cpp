#include "sts/result_type.hpp"

#include "src/core/enum_names.hpp"

namespace stsrelay::sts {
namespace {

constexpr core::EnumNames<ResultType, 8> kResultTypeNames{{{
    {ResultType::starttls_not_supported, "starttls-not-supported"},
    {ResultType::certificate_host_mismatch, "certificate-host-mismatch"},
    {ResultType::certificate_expired, "certificate-expired"},
    {ResultType::certificate_not_trusted, "certificate-not-trusted"},
    {ResultType::validation_failure, "validation-failure"},
    {ResultType::sts_policy_fetch_error, "sts-policy-fetch-error"},
    {ResultType::sts_policy_invalid, "sts-policy-invalid"},
    {ResultType::sts_webpki_invalid, "sts-webpki-invalid"},
}}, "validation-failure"};

}  // namespace

std::string_view to_string(ResultType type) { return kResultTypeNames.name(type); }

std::optional<ResultType> parse_result_type(std::string_view token) {
  return kResultTypeNames.parse(token);
}

std::string_view to_string(FetchError error) {
  switch (error) {
    case FetchError::dns: return "dns";
    case FetchError::connect: return "connect";
    case FetchError::tls: return "tls";
    case FetchError::http_status: return "http-status";
    case FetchError::redirect: return "redirect";
    case FetchError::content_type: return "content-type";
    case FetchError::too_large: return "too-large";
    case FetchError::timeout: return "timeout";
    case FetchError::http_syntax: return "http-syntax";
    case FetchError::syntax: return "syntax";
  }
  return "unknown";
}

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
