#include "src/app/check/check_runner.hpp"

#include <spdlog/spdlog.h>

#include <exception>
#include <filesystem>
#include <memory>
#include <optional>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/asio/use_awaitable.hpp>

#include "src/app/check/check_dane.hpp"
#include "src/app/check/check_findings.hpp"
#include "src/delivery/dane_session.hpp"
#include "src/delivery/tlsa_lookup.hpp"
#include "src/net/await_callback.hpp"
#include "src/net/dns_cares_resolver.hpp"
#include "src/net/dnssec_probe.hpp"
#include "src/net/https_client.hpp"
#include "src/net/mx_targets.hpp"
#include "src/net/tls_client_context.hpp"
#include "src/net/tlsa_forms.hpp"
#include "smtp/client_session.hpp"
#include "sts/policy_cache.hpp"
#include "sts/policy_fetcher.hpp"

namespace stsrelay::app {
namespace {

namespace asio = boost::asio;
using asio::use_awaitable;

struct Tools {
  const CheckSettings& settings;
  net::Resolver& dns;
  net::HttpsFetcher& https;
  std::shared_ptr<asio::ssl::context> tls;
  const core::Clock& clock;
};

// The copy of `domain`'s policy in sts.db, when that file exists. A cache that cannot be read is
// a warning line, not a reason to stop: it only feeds the "policy updated, id not" check.
std::optional<sts::CachedPolicy> cached_policy(const std::string& path, const std::string& domain,
                                               CheckReport& report) {
  if (path.empty() || !std::filesystem::exists(path)) return std::nullopt;
  auto cache = sts::PolicyCache::open(path);
  if (!cache) {
    report.add("policy-change", CheckStatus::warn,
               path + " cannot be opened: " + cache.error().message);
    return std::nullopt;
  }
  auto state = (*cache)->load(domain);
  if (!state) {
    report.add("policy-change", CheckStatus::warn,
               path + " cannot be read: " + state.error().message);
    return std::nullopt;
  }
  return state->cached;
}

// Not a coroutine (see await_callback.hpp: no lambdas that own data inside coroutine bodies).
asio::awaitable<net::ValidationProbe> await_validation(net::Resolver& dns, std::string name) {
  return net::await_callback<net::ValidationProbe>([&dns, name = std::move(name)](auto done) {
    net::probe_validation(dns, name, std::move(done));
  });
}

// The probe of one host: the "tls" line and the session it describes.
struct HostProbe {
  CheckLine line;
  std::optional<smtp::OpenOutcome> outcome;
};

// Probes the addresses of one MX host in the relay's order until one holds an SMTP session; the
// line describes that session, or the last failure when none did. `sni_host`: DANE's TLSA base
// domain where DANE applies, as delivery sends it; empty: the host.
asio::awaitable<HostProbe> probe_host(Tools& t, const net::DeliveryTarget& target,
                                      std::string sni_host) {
  smtp::ClientOptions options;
  options.keep_peer_chain = true;  // DANE matches the presented chain (RFC 7672 §3)
  options.helo_name = t.settings.helo_name;
  options.mx_host = target.host;
  options.sni_host = std::move(sni_host);
  options.tls_context = t.tls;
  const auto step = t.settings.smtp_step_timeout;
  options.timeouts.connect = step;
  options.timeouts.greeting = step;
  options.timeouts.ehlo = step;
  options.timeouts.starttls = step;
  options.timeouts.quit = step;
  HostProbe out;
  bool probed = false;
  for (const net::IpAddress& address : target.addresses) {
    const std::string text = address.to_string();
    smtp::OpenOutcome outcome = co_await smtp::probe(co_await asio::this_coro::executor, options,
                                                     text, t.settings.smtp_port);
    out.line = judge_mx_tls(target.host, text, outcome, t.clock.now());
    probed = true;
    const bool unreachable = outcome.failure && outcome.failure->phase == smtp::ClientPhase::connect;
    out.outcome = std::move(outcome);
    if (!unreachable) break;  // a host that answered is judged by that answer
  }
  if (!probed) out.line = judge_mx_unresolved(target.host, "no address");
  co_return out;
}

// The TLSA records of one MX host as delivery asks for them (delivery/tlsa_lookup.hpp). Asked
// whatever the DNSSEC status of the MX and the addresses, so that records without effect can
// be named; whether they count is dane_for_host's decision, as in delivery.
asio::awaitable<void> lookup_tlsa(Tools& t, const net::DeliveryTarget& target, DaneFacts& facts) {
  delivery::TlsaLookup found = co_await delivery::lookup_tlsa(t.dns, target, 25);
  facts.base_domain = std::move(found.base_domain);
  facts.tlsa = std::move(found.result);
}

// DANE for one MX host (check_dane.hpp): the TLSA lookup, the probe session (with the SNI
// delivery would send), and delivery's own match of the chain the session was shown. The
// probe's "tls" line comes back in `tls_line`, lifted where DANE authenticated the host.
asio::awaitable<CheckLine> check_host_dane(CheckLine& tls_line, Tools& t, bool mx_secure,
                                           const net::DeliveryTarget& target,
                                           const sts::Policy* policy) {
  DaneFacts facts;
  facts.mx_secure = mx_secure;
  facts.addresses_secure = target.addresses_secure;
  facts.policy = policy;
  co_await lookup_tlsa(t, target, facts);
  const delivery::DaneHost dane = dane_host_for_check(facts.mx_secure, facts.addresses_secure,
                                                      facts.tlsa, facts.base_domain);
  // A named value, not a conditional temporary in the co_await: GCC 12 destroys such
  // temporaries twice in coroutine bodies.
  std::string sni_host;
  if (dane.applies()) sni_host = dane.base_domain;
  const HostProbe probe = co_await probe_host(t, target, sni_host);
  const smtp::OpenOutcome* outcome = probe.outcome ? &*probe.outcome : nullptr;
  // A session that got past EHLO has a TLS stage to judge (STARTTLS offered or not).
  const bool reached_tls =
      outcome != nullptr && (!outcome->failure || outcome->tls.offered ||
                             outcome->failure->phase == smtp::ClientPhase::starttls ||
                             outcome->failure->phase == smtp::ClientPhase::tls);
  if (!reached_tls) {
    facts.no_session = "no address to connect to";
    if (outcome != nullptr && outcome->failure) {
      facts.no_session = "no SMTP session: " + outcome->failure->describe();
    }
  } else {
    facts.session = delivery::check_dane(dane, outcome->tls, target.host);
    if (outcome->tls.result) {
      if (auto forms = net::tlsa_forms_of_chain(outcome->tls.result->chain_der)) {
        facts.digests = presented_digests(*forms);
      }
    }
  }
  tls_line = with_dane(probe.line, facts.session);
  co_return judge_mx_dane(target.host, facts);
}

asio::awaitable<void> check(Tools& t, const std::string& domain, CheckReport& report) {
  for (const CheckLine& line : t.settings.route_lines) report.lines.push_back(line);
  const TxtFinding txt = judge_txt(
      domain, co_await net::await_call(t.dns, &net::Resolver::resolve_txt, "_mta-sts." + domain));
  report.lines.push_back(txt.line);
  if (txt.lookup_failed) {
    report.not_run = "DNS gave no answer for _mta-sts." + domain + " (" + txt.line.evidence +
                     "); check delivery.dns_servers";
    co_return;
  }

  net::HttpsRequest request;
  request.url = sts::policy_url(domain);
  request.timeout = t.settings.fetch_timeout;
  request.connect_timeout = std::min(request.connect_timeout, t.settings.fetch_timeout);
  request.max_body = t.settings.max_policy_size;
  const net::HttpsResult fetched =
      co_await net::await_call(t.https, &net::HttpsFetcher::fetch, request);
  FetchFinding policy =
      judge_policy_fetch(request.url, fetched, t.settings.max_policy_size, t.clock.now());
  for (CheckLine& l : policy.lines) report.lines.push_back(std::move(l));

  std::vector<std::string> hosts;
  const auto mx = co_await net::await_call(t.dns, &net::Resolver::resolve_mx, domain);
  if (mx.status == net::DnsStatus::temporary) {
    report.add("mx", CheckStatus::fail, "no answer for MX " + domain + ": " + mx.reason);
  } else {
    for (CheckLine& l : judge_mx(domain, mx, policy.policy ? &*policy.policy : nullptr, hosts)) {
      report.lines.push_back(std::move(l));
    }
  }

  if (txt.id && policy.policy) {
    const auto cached = cached_policy(t.settings.sts_db, domain, report);
    report.lines.push_back(judge_policy_change(cached, *txt.id, *policy.policy, hosts));
  }

  bool dane = false;
  if (t.settings.dane && !hosts.empty()) {
    DnssecFinding finding =
        judge_dnssec(co_await await_validation(t.dns, t.settings.validation_probe));
    report.lines.push_back(std::move(finding.line));
    dane = finding.not_run.empty();
    if (!dane) report.not_run = std::move(finding.not_run);
  }

  if (!hosts.empty()) {
    // Ties in preference keep the DNS order, as judge_mx listed them.
    const net::DeliveryRoute route =
        co_await net::resolve_delivery_targets(t.dns, domain, [](std::size_t) { return 0; });
    for (const std::string& host : hosts) {
      const auto it = std::find_if(route.targets.begin(), route.targets.end(),
                                   [&](const net::DeliveryTarget& d) { return d.host == host; });
      if (it == route.targets.end()) {
        std::string reasons;
        for (const std::string& s : route.skipped) {
          if (s.find(host) != std::string::npos) reasons += (reasons.empty() ? "" : "; ") + s;
        }
        if (reasons.empty() && route.failure) reasons = route.failure->text;
        report.lines.push_back(judge_mx_unresolved(host, reasons.empty() ? "no address" : reasons));
        continue;
      }
      if (!dane) {
        const std::string no_sni;
        HostProbe probe = co_await probe_host(t, *it, no_sni);
        report.lines.push_back(std::move(probe.line));
        continue;
      }
      CheckLine tls_line;
      CheckLine dane_line = co_await check_host_dane(
          tls_line, t, route.mx_secure, *it, policy.policy ? &*policy.policy : nullptr);
      report.lines.push_back(std::move(tls_line));
      report.lines.push_back(std::move(dane_line));
    }
  }

  report.lines.push_back(judge_tlsrpt(
      domain,
      co_await net::await_call(t.dns, &net::Resolver::resolve_txt, "_smtp._tls." + domain)));
}

}  // namespace

CheckReport run_check(const CheckSettings& settings, const std::string& domain) {
  CheckReport report;
  report.domain = domain;
  core::SystemClock clock;
  asio::io_context io;
  auto dns = net::CaresResolver::create(io.get_executor(), settings.dns, clock);
  if (!dns) {
    report.not_run = "the DNS resolver cannot be set up: " + dns.error().message;
    return report;
  }
  auto https = net::HttpsClient::create(io.get_executor(), **dns, {settings.ca_file});
  if (!https) {
    report.not_run = "the HTTPS client cannot be set up: " + https.error().message;
    return report;
  }
  auto tls = net::make_client_tls_context(settings.ca_file);
  if (!tls) {
    report.not_run = "the TLS client context cannot be set up: " + tls.error().message;
    return report;
  }
  Tools tools{settings, **dns, **https, *tls, clock};
  std::exception_ptr failure;
  asio::co_spawn(io, check(tools, domain, report), [&](std::exception_ptr e) {
    failure = e;
    io.stop();  // the resolver's and client's timers would keep run() going
  });
  io.run();
  if (failure) {
    try {
      std::rethrow_exception(failure);
    } catch (const std::exception& e) {
      report.not_run = std::string("the check stopped: ") + e.what();
    }
  }
  return report;
}

}  // namespace stsrelay::app
