// A Resolver that answers from tables filled by the test, at once and on the calling thread.
// Names not in a table get NXDOMAIN; every query is counted, so tests can assert on what was
// asked ("no address lookups after a null MX").
#pragma once

#include <map>
#include <string>
#include <utility>
#include <vector>

#include "src/net/dns_resolver.hpp"

namespace stsrelay::testing {

class FakeResolver final : public net::Resolver {
 public:
  template <class T>
  using Table = std::map<std::string, net::DnsResult<T>>;

  Table<net::IpAddress> a;
  Table<net::IpAddress> aaaa;
  Table<net::MxRecord> mx;
  Table<net::TxtRecord> txt;
  Table<net::TlsaRecord> tlsa;
  std::vector<std::string> queries;  // "MX example.test", in the order asked

  template <class T>
  static net::DnsResult<T> answer(std::vector<T> records, std::uint32_t ttl = 300) {
    net::DnsResult<T> r;
    r.status = net::DnsStatus::answer;
    r.records = std::move(records);
    r.ttl = ttl;
    return r;
  }
  // An answer with the AD bit set, as a validating resolver sends for a signed zone.
  template <class T>
  static net::DnsResult<T> secure_answer(std::vector<T> records, std::uint32_t ttl = 300) {
    net::DnsResult<T> r = answer(std::move(records), ttl);
    r.authenticated = true;
    return r;
  }
  template <class T>
  static net::DnsResult<T> failure(net::DnsStatus status, std::string reason = {}) {
    net::DnsResult<T> r;
    r.status = status;
    r.reason = std::move(reason);
    return r;
  }

  void resolve_a(std::string name, Callback<net::IpAddress> done) override {
    respond(a, "A", std::move(name), done);
  }
  void resolve_aaaa(std::string name, Callback<net::IpAddress> done) override {
    respond(aaaa, "AAAA", std::move(name), done);
  }
  void resolve_mx(std::string name, Callback<net::MxRecord> done) override {
    respond(mx, "MX", std::move(name), done);
  }
  void resolve_txt(std::string name, Callback<net::TxtRecord> done) override {
    respond(txt, "TXT", std::move(name), done);
  }
  void resolve_tlsa(std::string name, Callback<net::TlsaRecord> done) override {
    respond(tlsa, "TLSA", std::move(name), done);
  }

 private:
  template <class T>
  void respond(const Table<T>& table, const char* type, std::string name,
               const Callback<T>& done) {
    queries.push_back(std::string(type) + " " + name);
    const auto it = table.find(name);
    if (it != table.end()) {
      net::DnsResult<T> r = it->second;
      if (r.canonical_name.empty()) r.canonical_name = name;
      done(std::move(r));
    } else {
      done(failure<T>(net::DnsStatus::nxdomain, "no such domain"));
    }
  }
};

}  // namespace stsrelay::testing
