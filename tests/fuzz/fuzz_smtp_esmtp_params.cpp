// Fuzz target: the ESMTP parameters of MAIL and RCPT (smtp/esmtp_params.hpp). Input: one byte
// whose bit 0 picks MAIL (0) or RCPT (1) and bit 1 says whether the session offered REQUIRETLS,
// then the parameter text after the path. Invariants: REQUIRETLS is accepted only where
// offered; no
// crash; a refusal is 501 or 555 with 5.5.4 on one line that cannot end the reply early; accepted
// values keep their limits (ENVID 1-100 octets of xtext, ORCPT at most 500 with a type, NOTIFY
// NEVER alone or a set of the others); writing the accepted values out again and parsing that
// gives the same values.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "smtp/esmtp_params.hpp"
#include "smtp/reply.hpp"

using namespace stsrelay;
using namespace stsrelay::smtp;

namespace {

void check_refusal(const Reply& r) {
  if ((r.code != 501 && r.code != 555) || r.enhanced != "5.5.4" || r.lines.size() != 1) {
    std::abort();
  }
  for (char c : r.lines.front()) {
    const auto u = static_cast<unsigned char>(c);
    if (u < 0x20 || u >= 0x7f) std::abort();  // echoed keywords are alphanumeric
  }
}

std::string mail_text(const MailParameters& p) {
  std::string out;
  if (p.size) out += "SIZE=" + std::to_string(*p.size) + " ";
  out += p.body == core::BodyType::eight_bit_mime ? "BODY=8BITMIME " : "BODY=7BIT ";
  if (p.smtputf8) out += "SMTPUTF8 ";
  if (p.ret == core::DsnRet::full) out += "RET=FULL ";
  if (p.ret == core::DsnRet::hdrs) out += "RET=HDRS ";
  if (p.requiretls) out += "REQUIRETLS ";
  if (!p.envid.empty()) out += "ENVID=" + p.envid;
  return out;
}

std::string rcpt_text(const RcptParameters& p) {
  std::string out;
  if (p.notify != 0) {
    std::string items;
    const std::pair<std::uint8_t, const char*> names[] = {{core::kNotifyNever, "NEVER"},
                                                          {core::kNotifySuccess, "SUCCESS"},
                                                          {core::kNotifyFailure, "FAILURE"},
                                                          {core::kNotifyDelay, "DELAY"}};
    for (const auto& [bit, name] : names) {
      if (p.notify & bit) items += (items.empty() ? "" : ",") + std::string(name);
    }
    out += "NOTIFY=" + items + " ";
  }
  if (!p.orcpt.empty()) out += "ORCPT=" + p.orcpt;
  return out;
}

void check_mail(std::string_view text, bool requiretls_offered) {
  MailParameters p;
  MailContext context;
  context.requiretls_offered = requiretls_offered;
  if (auto err = parse_mail_parameters(text, p, context)) {
    check_refusal(*err);
    return;
  }
  if (p.requiretls && !requiretls_offered) std::abort();  // RFC 8689 §2
  if (!p.envid.empty() && (p.envid.size() > 100 || !is_xtext(p.envid))) std::abort();
  MailParameters again;
  if (parse_mail_parameters(mail_text(p), again, context)) std::abort();
  if (again.size != p.size || again.body != p.body || again.smtputf8 != p.smtputf8 ||
      again.ret != p.ret || again.envid != p.envid || again.requiretls != p.requiretls) {
    std::abort();
  }
}

void check_rcpt(std::string_view text) {
  RcptParameters p;
  if (auto err = parse_rcpt_parameters(text, p)) {
    check_refusal(*err);
    return;
  }
  const std::uint8_t all = core::kNotifySuccess | core::kNotifyFailure | core::kNotifyDelay;
  if (p.notify != 0 && p.notify != core::kNotifyNever && (p.notify & ~all) != 0) std::abort();
  if (!p.orcpt.empty()) {
    const auto semi = p.orcpt.find(';');
    if (p.orcpt.size() > 500 || semi == 0 || semi == std::string::npos) std::abort();
  }
  RcptParameters again;
  if (parse_rcpt_parameters(rcpt_text(p), again)) std::abort();
  if (again.notify != p.notify || again.orcpt != p.orcpt) std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  const std::string_view text(reinterpret_cast<const char*>(data + 1), size - 1);
  if (data[0] & 1) {
    check_rcpt(text);
  } else {
    check_mail(text, (data[0] & 2) != 0);
  }
  return 0;
}
