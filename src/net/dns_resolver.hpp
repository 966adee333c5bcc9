// The DNS resolver as the rest of stsrelay sees it: asynchronous queries for A, AAAA, MX, TXT
// and TLSA whose results arrive through a callback, exactly once, each with its DNSSEC status
// (DnsResult::dnssec()). No Asio and no c-ares here, so
// delivery and sts code can depend on it and unit tests can fake it (tests/support/
// fake_resolver.hpp). Coroutine callers use net::await_call (await_callback.hpp); the production
// implementation is CaresResolver (dns_cares_resolver.hpp).
//
// Names are sent as given (no search list, no ndots: RFC 5321 §5.1 wants the FQDN). CNAMEs are
// followed for every type, so MX and TXT through an alias work as RFC 5321 §5.1 and RFC 1034
// §3.6.2 ask.
#pragma once

#include <functional>
#include <string>

#include "src/net/dns_types.hpp"

namespace stsrelay::net {

class Resolver {
 public:
  template <class T>
  using Callback = std::function<void(DnsResult<T>)>;

  virtual ~Resolver() = default;

  // Each call returns at once; `done` runs later, on a thread of the implementation's choice
  // (CaresResolver: its strand), and must not block.
  virtual void resolve_a(std::string name, Callback<IpAddress> done) = 0;
  virtual void resolve_aaaa(std::string name, Callback<IpAddress> done) = 0;
  virtual void resolve_mx(std::string name, Callback<MxRecord> done) = 0;
  virtual void resolve_txt(std::string name, Callback<TxtRecord> done) = 0;
  // TLSA at the name as given, e.g. "_25._tcp.mx.example.test" (RFC 7672 §2.2, RFC 6698 §3).
  virtual void resolve_tlsa(std::string name, Callback<TlsaRecord> done) = 0;
};

}  // namespace stsrelay::net
