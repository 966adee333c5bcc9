#include "src/net/cert_verify.hpp"

#include <arpa/inet.h>
#include <openssl/bio.h>
#include <openssl/x509v3.h>

#include <memory>
#include <string>

#include "src/core/ascii.hpp"

namespace stsrelay::net {
namespace {

// Errors seen while validating, collected by the verify callback.
struct Collector {
  int first_error = 0;
  bool expired = false;
  bool not_yet_valid = false;
  bool self_signed = false;
  bool untrusted = false;
};

int collect_and_continue(int ok, X509_STORE_CTX* ctx) {
  if (ok == 1) return 1;
  auto* c = static_cast<Collector*>(X509_STORE_CTX_get_app_data(ctx));
  const int err = X509_STORE_CTX_get_error(ctx);
  if (c->first_error == 0) c->first_error = err;
  switch (err) {
    case X509_V_ERR_CERT_HAS_EXPIRED: c->expired = true; break;
    case X509_V_ERR_CERT_NOT_YET_VALID: c->not_yet_valid = true; break;
    case X509_V_ERR_DEPTH_ZERO_SELF_SIGNED_CERT:
      c->self_signed = true;
      c->untrusted = true;
      break;
    case X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT:
    case X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY:
    case X509_V_ERR_UNABLE_TO_VERIFY_LEAF_SIGNATURE:
    case X509_V_ERR_SELF_SIGNED_CERT_IN_CHAIN:
    case X509_V_ERR_CERT_UNTRUSTED:
    case X509_V_ERR_CERT_REJECTED: c->untrusted = true; break;
    default: break;
  }
  // Record and continue: "verified" is judged by the caller, never by aborting the handshake.
  return 1;
}

std::string normalise_host(std::string_view host) {
  if (!host.empty() && host.back() == '.') host.remove_suffix(1);
  return core::to_lower_ascii(host);
}

std::string subject_line(X509* cert) {
  std::unique_ptr<BIO, decltype(&BIO_free)> bio(BIO_new(BIO_s_mem()), BIO_free);
  if (!bio) return {};
  X509_NAME_print_ex(bio.get(), X509_get_subject_name(cert), 0, XN_FLAG_RFC2253);
  char* data = nullptr;
  const long n = BIO_get_mem_data(bio.get(), &data);
  return n > 0 ? std::string(data, static_cast<std::size_t>(n)) : std::string();
}

std::vector<std::string> dns_names(X509* cert) {
  std::vector<std::string> out;
  auto* names = static_cast<GENERAL_NAMES*>(
      X509_get_ext_d2i(cert, NID_subject_alt_name, nullptr, nullptr));
  if (names == nullptr) return out;
  for (int i = 0; i < sk_GENERAL_NAME_num(names); ++i) {
    const GENERAL_NAME* name = sk_GENERAL_NAME_value(names, i);
    if (name->type != GEN_DNS) continue;
    const ASN1_IA5STRING* s = name->d.dNSName;
    out.emplace_back(reinterpret_cast<const char*>(ASN1_STRING_get0_data(s)),
                     static_cast<std::size_t>(ASN1_STRING_length(s)));
  }
  GENERAL_NAMES_free(names);
  return out;
}

std::string iso_time(const ASN1_TIME* t) {
  std::tm tm{};
  if (t == nullptr || ASN1_TIME_to_tm(t, &tm) != 1) return {};
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

}  // namespace

bool is_ip_literal(std::string_view host) {
  if (host.size() >= 2 && host.front() == '[' && host.back() == ']') {
    host = host.substr(1, host.size() - 2);
  }
  const std::string s(host);
  unsigned char buf[16];
  return inet_pton(AF_INET, s.c_str(), buf) == 1 || inet_pton(AF_INET6, s.c_str(), buf) == 1;
}

CertVerdict judge_certificate(X509* leaf, STACK_OF(X509) * untrusted, X509_STORE* store,
                              std::string_view host, std::optional<std::time_t> at) {
  CertVerdict v;
  if (leaf == nullptr) {
    v.untrusted = true;
    v.verify_error = X509_V_ERR_UNSPECIFIED;
    v.verify_error_string = "no peer certificate";
    return v;
  }
  v.subject = subject_line(leaf);
  v.dns_names = dns_names(leaf);
  v.not_after = iso_time(X509_get0_notAfter(leaf));

  Collector collector;
  std::unique_ptr<X509_STORE_CTX, decltype(&X509_STORE_CTX_free)> ctx(X509_STORE_CTX_new(),
                                                                       X509_STORE_CTX_free);
  int rc = 0;
  if (ctx && X509_STORE_CTX_init(ctx.get(), store, leaf, untrusted) == 1) {
    X509_STORE_CTX_set_purpose(ctx.get(), X509_PURPOSE_SSL_SERVER);
    if (at) X509_STORE_CTX_set_time(ctx.get(), 0, *at);
    X509_STORE_CTX_set_app_data(ctx.get(), &collector);
    X509_STORE_CTX_set_verify_cb(ctx.get(), collect_and_continue);
    rc = X509_verify_cert(ctx.get());
    if (rc != 1 && collector.first_error == 0) {
      collector.first_error = X509_STORE_CTX_get_error(ctx.get());
    }
  } else {
    collector.first_error = X509_V_ERR_OUT_OF_MEM;
  }
  v.verify_error = collector.first_error;
  v.verify_error_string = X509_verify_cert_error_string(collector.first_error);
  v.chain_verified = rc == 1 && collector.first_error == 0;
  v.expired = collector.expired;
  v.not_yet_valid = collector.not_yet_valid;
  v.self_signed = collector.self_signed;
  v.untrusted = collector.untrusted;

  const std::string name = normalise_host(host);
  if (!name.empty() && !is_ip_literal(name)) {
    const unsigned flags = X509_CHECK_FLAG_NO_PARTIAL_WILDCARDS |
                           X509_CHECK_FLAG_NEVER_CHECK_SUBJECT;
    v.host_matched = X509_check_host(leaf, name.data(), name.size(), flags, nullptr) == 1;
  }
  return v;
}

CertVerdict judge_peer(SSL* ssl, std::string_view host) {
  X509* leaf = SSL_get0_peer_certificate(ssl);
  STACK_OF(X509)* chain = SSL_get_peer_cert_chain(ssl);
  X509_STORE* store = SSL_CTX_get_cert_store(SSL_get_SSL_CTX(ssl));
  return judge_certificate(leaf, chain, store, host);
}

}  // namespace stsrelay::net
