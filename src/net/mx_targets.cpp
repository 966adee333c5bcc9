#include "src/net/mx_targets.hpp"

#include <atomic>
#include <memory>

#include "src/net/await_callback.hpp"

namespace stsrelay::net {

namespace asio = boost::asio;

namespace {

// Starts the A and AAAA lookups of every host at once and resumes with all results, in the
// order of `hosts`.
asio::awaitable<std::vector<HostAddresses>> resolve_addresses(Resolver& resolver,
                                                               std::vector<MxHost> hosts) {
  using Results = std::vector<HostAddresses>;
  return await_callback<Results>([&resolver, hosts = std::move(hosts)](auto done) {
    using Done = decltype(done);
    struct State {
      State(Done d, std::size_t n) : finish(std::move(d)), results(n) {}
      Done finish;
      Results results;  // each slot written by one callback only
      std::atomic<std::size_t> remaining{0};
    };
    auto state = std::make_shared<State>(std::move(done), hosts.size());
    if (hosts.empty()) {
      state->finish(std::move(state->results));
      return;
    }
    state->remaining = 2 * hosts.size();
    const auto one_done = [state]() {
      if (state->remaining.fetch_sub(1, std::memory_order_acq_rel) != 1) return;
      state->finish(std::move(state->results));
    };
    for (std::size_t i = 0; i < hosts.size(); ++i) {
      resolver.resolve_aaaa(hosts[i].host, [state, i, one_done](DnsResult<IpAddress> r) {
        state->results[i].aaaa = std::move(r);
        one_done();
      });
      resolver.resolve_a(hosts[i].host, [state, i, one_done](DnsResult<IpAddress> r) {
        state->results[i].a = std::move(r);
        one_done();
      });
    }
  });
}

}  // namespace

asio::awaitable<DeliveryRoute> resolve_delivery_targets(Resolver& resolver, std::string domain,
                                                        PickIndex pick) {
  const DnsResult<MxRecord> mx = co_await await_call(resolver, &Resolver::resolve_mx, domain);
  const MxPlan plan = plan_mx_hosts(domain, mx, pick);
  if (plan.failure) co_return assemble_route(plan, {});
  const std::vector<HostAddresses> addresses =
      co_await resolve_addresses(resolver, plan.hosts);
  co_return assemble_route(plan, addresses);
}

asio::awaitable<DeliveryRoute> resolve_next_hops(Resolver& resolver,
                                                 std::vector<NextHopName> hops) {
  std::vector<MxHost> named;
  for (const NextHopName& hop : hops) {
    if (!hop.literal) named.push_back(MxHost{hop.host, 0, false});
  }
  const std::vector<HostAddresses> addresses = co_await resolve_addresses(resolver, named);
  co_return assemble_next_hops(hops, addresses);
}

}  // namespace stsrelay::net
