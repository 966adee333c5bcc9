// JSON forms of `stsrelay queue list --json` and `stsrelay queue show --json` (Boost.JSON).
#include <boost/json.hpp>

#include "src/app/cli/queue_format.hpp"

namespace stsrelay::app {
namespace {

namespace json = boost::json;

json::object recipient_json(const queue::RecipientRecord& r) {
  json::object o;
  o["address"] = r.address;
  o["state"] = queue::to_string(r.state);
  o["attempts"] = r.attempts;
  o["next_attempt_at"] = r.next_attempt_at;
  o["last_reply"] = r.last_reply;
  return o;
}

json::object message_json(const queue::MessageRecord& m) {
  json::object o;
  o["id"] = m.id;
  o["sender"] = m.sender;
  o["received_at"] = m.received_at;
  o["size"] = m.size;
  json::array recipients;
  for (const auto& r : m.recipients) recipients.push_back(recipient_json(r));
  o["recipients"] = std::move(recipients);
  return o;
}

}  // namespace

std::string format_queue_json(const std::vector<queue::MessageRecord>& messages) {
  json::array out;
  for (const auto& m : messages) out.push_back(message_json(m));
  return json::serialize(out) + "\n";
}

std::string format_message_json(const queue::MessageDetail& detail,
                                const std::vector<std::string>& routes) {
  json::object o = message_json(detail.message);
  // Recipients gain their DSN parameters (RFC 3461 §4.1 NOTIFY, §4.2 ORCPT).
  auto& recipients = o["recipients"].as_array();
  for (std::size_t i = 0; i < recipients.size(); ++i) {
    const auto& r = detail.message.recipients[i];
    recipients[i].as_object()["notify"] = format_notify(r.notify);
    recipients[i].as_object()["orcpt"] = r.orcpt;
    if (i < routes.size()) recipients[i].as_object()["route"] = routes[i];
  }
  const core::Envelope& e = detail.envelope;
  json::object envelope;
  envelope["client_address"] = e.client_address;
  envelope["client_helo"] = e.client_helo;
  envelope["auth_user"] = e.auth_user;
  envelope["tls"] = e.tls;
  envelope["body"] = e.body == core::BodyType::eight_bit_mime ? "8BITMIME" : "7BIT";
  envelope["smtputf8"] = e.smtputf8;
  envelope["ret"] = format_ret(e.ret);
  envelope["envid"] = e.envid;
  envelope["requiretls"] = e.require_tls;    // RFC 8689 REQUIRETLS
  envelope["tls_optional"] = e.tls_optional;  // RFC 8689 "TLS-Required: No"
  o["envelope"] = std::move(envelope);
  o["headers"] = detail.headers;
  return json::serialize(o) + "\n";
}

}  // namespace stsrelay::app
