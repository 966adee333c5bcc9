#include "src/net/mx_targets.hpp"

#include <atomic>
#include <memory>

#include <boost/asio/associated_executor.hpp>
#include <boost/asio/async_result.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/execution/outstanding_work.hpp>
#include <boost/asio/prefer.hpp>
#include <boost/asio/use_awaitable.hpp>

#include "src/net/dns_await.hpp"

namespace stsrelay::net {

namespace asio = boost::asio;

namespace {

// Starts the A and AAAA lookups of every host at once and completes with all results, in the
// order of `hosts`, on the caller's executor.
template <class Token>
auto async_resolve_addresses(Resolver& resolver, const std::vector<MxHost>& hosts,
                             Token&& token) {
  return asio::async_initiate<Token, void(std::vector<HostAddresses>)>(
      [&resolver](auto handler, std::vector<MxHost> hosts) {
        using Handler = decltype(handler);
        struct State {
          explicit State(Handler h, std::size_t n) : handler(std::move(h)), results(n) {}
          Handler handler;
          std::vector<HostAddresses> results;  // each slot written by one callback only
          std::atomic<std::size_t> remaining{0};
        };
        auto work = asio::prefer(asio::get_associated_executor(handler),
                                 asio::execution::outstanding_work.tracked);
        auto state = std::make_shared<State>(std::move(handler), hosts.size());
        state->remaining = 2 * hosts.size();
        const auto one_done = [state, work]() {
          if (state->remaining.fetch_sub(1, std::memory_order_acq_rel) != 1) return;
          asio::post(work, [state] { state->handler(std::move(state->results)); });
        };
        if (hosts.empty()) {
          asio::post(work, [state] { state->handler(std::move(state->results)); });
          return;
        }
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
      },
      token, hosts);
}

}  // namespace

asio::awaitable<DeliveryRoute> resolve_delivery_targets(Resolver& resolver, std::string domain,
                                                        PickIndex pick) {
  const DnsResult<MxRecord> mx = co_await async_resolve_mx(resolver, domain, asio::use_awaitable);
  const MxPlan plan = plan_mx_hosts(domain, mx, pick);
  if (plan.failure) co_return assemble_route(plan, {});
  const std::vector<HostAddresses> addresses =
      co_await async_resolve_addresses(resolver, plan.hosts, asio::use_awaitable);
  co_return assemble_route(plan, addresses);
}

}  // namespace stsrelay::net
