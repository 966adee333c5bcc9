#include "src/app/daemon/sts_services.hpp"

#include <boost/asio/any_io_executor.hpp>

#include "src/net/https_client.hpp"
#include "sts/policy_cache.hpp"
#include "sts/policy_fetcher.hpp"
#include "sts/policy_refresher.hpp"
#include "sts/policy_resolver.hpp"
#include "sts/shared_policy_sync.hpp"

namespace stsrelay::app {

// Declared in the order they depend on each other, so that they are destroyed the other way.
struct StsServices::Parts {
  std::unique_ptr<sts::PolicyCache> cache;
  std::unique_ptr<net::HttpsClient> https;
  std::unique_ptr<sts::PolicyFetcher> fetcher;
  std::unique_ptr<sts::PolicyResolver> resolver;
  // Null on a node alone; shared with the resolver's observer and the refresher's gate, which
  // may run after the parts are gone (a fetch or a lease job landing late).
  std::shared_ptr<sts::SharedPolicySync> shared;
  std::unique_ptr<sts::PolicyRefresher> refresher;
};

core::Result<std::unique_ptr<StsServices>> StsServices::start(
    const boost::asio::any_io_executor& ex, net::Resolver& dns, const Config& config,
    const std::filesystem::path& state_dir, const core::Clock& clock) {
  auto parts = std::make_unique<Parts>();
  auto cache = sts::PolicyCache::open((state_dir / "sts.db").string());
  if (!cache) return cache.error();
  parts->cache = std::move(*cache);
  auto https = net::HttpsClient::create(ex, dns, {config.delivery.ca_file});
  if (!https) return https.error();
  parts->https = std::move(*https);
  parts->fetcher = std::make_unique<sts::PolicyFetcher>(
      *parts->https,
      sts::PolicyFetchSettings{
          std::chrono::duration_cast<std::chrono::milliseconds>(config.sts.fetch_timeout),
          config.sts.max_policy_size});
  parts->resolver =
      std::make_unique<sts::PolicyResolver>(dns, *parts->fetcher, *parts->cache, clock);
  parts->refresher =
      std::make_unique<sts::PolicyRefresher>(ex, *parts->resolver, *parts->cache, clock);
  parts->refresher->start();
  return std::unique_ptr<StsServices>(new StsServices(std::move(parts)));
}

void StsServices::join_cluster(const boost::asio::any_io_executor& ex, const StsClusterLink& link,
                               const core::Clock& clock) {
  parts_->shared = std::make_shared<sts::SharedPolicySync>(
      ex, link.worker, *parts_->resolver, *parts_->cache, link.node, clock);
  std::shared_ptr<sts::SharedPolicySync> shared = parts_->shared;
  parts_->resolver->set_stored_observer(
      [shared](const std::string& domain, const sts::CachedPolicy& policy,
               const std::string& text) { shared->publish(domain, policy, text); });
  parts_->refresher->set_gate([shared](std::vector<std::string> due,
                                       std::function<void(std::vector<std::string>)> go) {
    shared->claim_refreshes(std::move(due), std::move(go));
  });
  shared->start();
}

StsServices::StsServices(std::unique_ptr<Parts> parts) : parts_(std::move(parts)) {}

StsServices::~StsServices() { stop(); }

void StsServices::stop() {
  if (parts_ && parts_->refresher) parts_->refresher->stop();
  if (parts_ && parts_->shared) parts_->shared->stop();
}

std::optional<sts::SharedPolicySyncStats> StsServices::shared_cache_stats() const {
  if (!parts_ || !parts_->shared) return std::nullopt;
  return parts_->shared->stats();
}

sts::PolicyResolver& StsServices::resolver() { return *parts_->resolver; }

}  // namespace stsrelay::app
