#include "sts/policy_fetcher.hpp"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <utility>

#include "src/core/domain_name.hpp"
#include "src/core/log_quote.hpp"
#include "src/core/logging.hpp"

namespace stsrelay::sts {
namespace {

void log_outcome(const std::string& domain, const PolicyFetchResult& result) {
  if (result.ok()) {
    const FetchedPolicy& p = result.value();
    spdlog::debug("mta-sts policy fetched domain={} mode={} max_age={} mx={} protocol={} peer={}",
                  core::log_value(domain), to_string(p.policy.mode), p.policy.max_age,
                  p.policy.mx.size(), to_string(p.protocol), p.peer);
    return;
  }
  const PolicyFetchFailure& f = result.failure();
  spdlog::warn("mta-sts policy fetch failed domain={} reason={} result_type={} detail={}",
               core::log_value(domain), to_string(f.error), to_string(f.result_type),
               core::log_value(f.detail));
}

}  // namespace

std::string policy_url(std::string_view domain) {
  return "https://mta-sts." + std::string(domain) + "/.well-known/mta-sts.txt";
}

PolicyFetcher::PolicyFetcher(net::HttpsFetcher& https, PolicyFetchSettings settings)
    : https_(https), settings_(settings) {}

void PolicyFetcher::fetch_policy(std::string_view domain, Callback done) {
  auto normalized = core::normalize_domain(domain);
  if (!normalized) {
    PolicyFetchResult result = PolicyFetchFailure{
        FetchError::dns, result_type_of(FetchError::dns, false),
        "\"" + core::printable(domain) + "\" is not a domain name: " + normalized.error().message};
    log_outcome(core::printable(domain), result);
    done(std::move(result));
    return;
  }
  net::HttpsRequest request;
  request.method = net::HttpMethod::get;
  request.url = policy_url(normalized.value());
  request.timeout = settings_.timeout;
  // One TCP connect gets the client's 15 s at most (never more than the whole budget), so a
  // dead first address of mta-sts.<domain> leaves time for the next one.
  request.connect_timeout = std::min(request.connect_timeout, settings_.timeout);
  request.max_body = settings_.max_policy_size;
  https_.fetch(std::move(request),
               [domain = normalized.value(), max = settings_.max_policy_size,
                done = std::move(done)](net::HttpsResult https) {
                 PolicyFetchResult result = classify_policy_fetch(https, max);
                 log_outcome(domain, result);
                 done(std::move(result));
               });
}

}  // namespace stsrelay::sts
