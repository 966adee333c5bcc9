// A Resolver in front of another that can stop believing the AD bit: while `trusted` is false,
// every result it hands on has `authenticated` cleared, so every answer is DNSSEC-insecure and
// DANE never applies (RFC 7672 §2.2). The daemon switches it off when the validation probe
// (dnssec_probe.hpp) finds resolvers that do not validate: no worse than without DANE, and
// never a "secure" that nobody validated. Records, statuses and reasons pass unchanged.
//
// set_trusted and the queries may be called from any thread.
#pragma once

#include <atomic>
#include <memory>
#include <string>

#include "src/net/dns_resolver.hpp"

namespace stsrelay::net {

class DnssecGate final : public Resolver {
 public:
  // `inner` must outlive the gate.
  explicit DnssecGate(Resolver& inner) : inner_(inner) {}

  void set_trusted(bool trusted) { trusted_->store(trusted); }
  bool trusted() const { return trusted_->load(); }

  void resolve_a(std::string name, Callback<IpAddress> done) override;
  void resolve_aaaa(std::string name, Callback<IpAddress> done) override;
  void resolve_mx(std::string name, Callback<MxRecord> done) override;
  void resolve_txt(std::string name, Callback<TxtRecord> done) override;
  void resolve_tlsa(std::string name, Callback<TlsaRecord> done) override;

 private:
  // The AD bit is judged when the answer arrives, so a switch applies to queries in flight too.
  // The flag is shared with the callbacks: answers may arrive after the gate is gone (a resolver
  // closing completes what is outstanding).
  template <class T>
  Callback<T> gated(Callback<T> done) const {
    return [trusted = trusted_, done = std::move(done)](DnsResult<T> r) {
      if (!trusted->load()) r.authenticated = false;
      done(std::move(r));
    };
  }

  Resolver& inner_;
  std::shared_ptr<std::atomic<bool>> trusted_ = std::make_shared<std::atomic<bool>>(true);
};

}  // namespace stsrelay::net
