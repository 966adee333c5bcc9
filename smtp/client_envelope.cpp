#include "smtp/client_envelope.hpp"

#include "src/core/ascii.hpp"

namespace stsrelay::smtp {
namespace {

std::string notify_value(std::uint8_t notify) {
  if (notify & core::kNotifyNever) return "NEVER";
  std::string out;
  auto add = [&](std::uint8_t flag, const char* word) {
    if (notify & flag) out += (out.empty() ? "" : ",") + std::string(word);
  };
  add(core::kNotifySuccess, "SUCCESS");
  add(core::kNotifyFailure, "FAILURE");
  add(core::kNotifyDelay, "DELAY");
  return out;
}

}  // namespace

void MessageScanner::feed(std::string_view chunk) {
  static constexpr std::string_view kEnd = "\r\n\r\n";
  std::size_t i = 0;
  for (; in_header_ && i < chunk.size(); ++i) {
    const char c = chunk[i];
    if (static_cast<unsigned char>(c) > 127) header_eight_bit_ = eight_bit_ = true;
    matched_ = c == kEnd[static_cast<std::size_t>(matched_)] ? matched_ + 1 : (c == '\r' ? 1 : 0);
    if (matched_ == 4) in_header_ = false;
  }
  if (!eight_bit_ && i < chunk.size()) eight_bit_ = core::has_non_ascii(chunk.substr(i));
}

MessageTraits MessageScanner::traits(const core::Envelope& envelope, std::uint64_t size) const {
  MessageTraits t;
  t.size = size;
  t.eight_bit = eight_bit_;
  bool addresses_utf8 = core::has_non_ascii(envelope.sender);
  for (const auto& r : envelope.recipients) {
    addresses_utf8 = addresses_utf8 || core::has_non_ascii(r.address);
  }
  // RFC 6531 §3.4: what "needs" SMTPUTF8 is a non-ASCII address or UTF-8 in the header
  // section of a message submitted with SMTPUTF8; an all-ASCII message that merely carried the
  // parameter does not.
  t.needs_smtputf8 = addresses_utf8 || (envelope.smtputf8 && header_eight_bit_);
  t.require_tls = envelope.require_tls;
  return t;
}

MessageTraits describe_message(const core::Envelope& envelope, std::string_view content) {
  MessageScanner scanner;
  scanner.feed(content);
  return scanner.traits(envelope, content.size());
}

std::optional<Reply> refuse_locally(const Capabilities& caps, const MessageTraits& traits,
                                    const ReceiverTraits& receiver) {
  if (traits.require_tls && (!receiver.tls_active || !caps.requiretls)) {
    // RFC 8689 §4.2.1: REQUIRETLS must be offered in the EHLO reply after TLS; 5.7.30 is the
    // code it registers for a message no server would take.
    const std::string host = receiver.host.empty() ? std::string("the receiving server")
                                                   : std::string(receiver.host);
    return make_reply(550, "5.7.30",
                      "REQUIRETLS support required: " +
                          (receiver.tls_active ? host + " does not offer REQUIRETLS"
                                               : "the session with " + host +
                                                     " is not encrypted"));
  }
  if (caps.size_limit && traits.size > *caps.size_limit) {
    return make_reply(552, "5.3.4",
                      "message size " + std::to_string(traits.size) +
                          " exceeds the fixed maximum " + std::to_string(*caps.size_limit) +
                          " of the receiving server");
  }
  if (traits.needs_smtputf8 && !caps.smtputf8) {
    return make_reply(553, "5.6.7",
                      "the message needs SMTPUTF8, which the receiving server does not offer");
  }
  if (traits.eight_bit && !caps.eightbitmime) {
    return make_reply(554, "5.6.3",
                      "the message has 8-bit data and the receiving server does not offer "
                      "8BITMIME");
  }
  return std::nullopt;
}

std::string mail_from_command(const core::Envelope& envelope, const Capabilities& caps,
                              const MessageTraits& traits) {
  std::string out = "MAIL FROM:<" + envelope.sender + ">";
  if (caps.size) out += " SIZE=" + std::to_string(traits.size);
  if (caps.eightbitmime && (traits.eight_bit || envelope.body == core::BodyType::eight_bit_mime)) {
    out += " BODY=8BITMIME";
  }
  if (caps.smtputf8 && traits.needs_smtputf8) out += " SMTPUTF8";
  // RFC 8689 §2: the parameter has no value. Without the extension the transaction never gets
  // here (refuse_locally).
  if (caps.requiretls && envelope.require_tls) out += " REQUIRETLS";
  if (caps.dsn) {
    if (envelope.ret == core::DsnRet::full) out += " RET=FULL";
    if (envelope.ret == core::DsnRet::hdrs) out += " RET=HDRS";
    if (!envelope.envid.empty()) out += " ENVID=" + envelope.envid;
  }
  return out + "\r\n";
}

std::string rcpt_to_command(const core::EnvelopeRecipient& recipient, const Capabilities& caps) {
  std::string out = "RCPT TO:<" + recipient.address + ">";
  if (caps.dsn) {
    if (recipient.notify != 0) out += " NOTIFY=" + notify_value(recipient.notify);
    if (!recipient.orcpt.empty()) out += " ORCPT=" + recipient.orcpt;
  }
  return out + "\r\n";
}

}  // namespace stsrelay::smtp
