#include "src/net/dnssec_gate.hpp"

#include <utility>

namespace stsrelay::net {

void DnssecGate::resolve_a(std::string name, Callback<IpAddress> done) {
  inner_.resolve_a(std::move(name), gated(std::move(done)));
}
void DnssecGate::resolve_aaaa(std::string name, Callback<IpAddress> done) {
  inner_.resolve_aaaa(std::move(name), gated(std::move(done)));
}
void DnssecGate::resolve_mx(std::string name, Callback<MxRecord> done) {
  inner_.resolve_mx(std::move(name), gated(std::move(done)));
}
void DnssecGate::resolve_txt(std::string name, Callback<TxtRecord> done) {
  inner_.resolve_txt(std::move(name), gated(std::move(done)));
}
void DnssecGate::resolve_tlsa(std::string name, Callback<TlsaRecord> done) {
  inner_.resolve_tlsa(std::move(name), gated(std::move(done)));
}

}  // namespace stsrelay::net
