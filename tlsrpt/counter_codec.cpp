#include "tlsrpt/counter_codec.hpp"

#include <boost/json.hpp>

namespace stsrelay::tlsrpt {
namespace {

namespace json = boost::json;

json::array lines_array(const std::vector<std::string>& lines) {
  json::array a;
  for (const auto& s : lines) a.emplace_back(s);
  return a;
}

core::Result<std::vector<std::string>> lines_of(const json::value* v) {
  if (v == nullptr || !v->is_array()) return core::Error::invalid("expected an array of strings");
  std::vector<std::string> out;
  for (const auto& e : v->as_array()) {
    if (!e.is_string()) return core::Error::invalid("expected an array of strings");
    out.emplace_back(e.as_string());
  }
  return out;
}

core::Result<std::string> string_of(const json::object& o, std::string_view key) {
  const json::value* v = o.if_contains(key);
  if (v == nullptr || !v->is_string()) {
    return core::Error::invalid("\"" + std::string(key) + "\": expected a string");
  }
  return std::string(v->as_string());
}

core::Result<std::int64_t> count_of(const json::object& o, std::string_view key) {
  const json::value* v = o.if_contains(key);
  if (v == nullptr || !v->is_int64() || v->as_int64() < 0) {
    return core::Error::invalid("\"" + std::string(key) + "\": expected a count");
  }
  return v->as_int64();
}

core::Result<FailureKey> failure_of(const json::object& o) {
  FailureKey f;
  auto type = string_of(o, "result_type");
  if (!type) return type.error();
  auto parsed = sts::parse_result_type(*type);
  if (!parsed) return core::Error::invalid("unknown result type " + *type);
  f.result_type = *parsed;
  std::string* fields[] = {&f.sending_mta_ip,    &f.receiving_mx_hostname,
                           &f.receiving_mx_helo, &f.receiving_ip,
                           &f.failure_reason_code, &f.additional_information};
  const std::string_view names[] = {"sending_mta_ip",    "receiving_mx_hostname",
                                    "receiving_mx_helo", "receiving_ip",
                                    "failure_reason_code", "additional_information"};
  for (std::size_t i = 0; i < std::size(fields); ++i) {
    auto s = string_of(o, names[i]);
    if (!s) return s.error();
    *fields[i] = std::move(*s);
  }
  return f;
}

core::Status entry_of(const json::value& v, Counters& out) {
  if (!v.is_object()) return core::Error::invalid("expected an object per counter");
  const json::object& o = v.as_object();
  auto day_text = string_of(o, "day");
  if (!day_text) return day_text.error();
  auto day = parse_day(*day_text);
  if (!day) return day.error();
  auto domain = string_of(o, "domain");
  if (!domain) return domain.error();
  auto type_text = string_of(o, "policy_type");
  if (!type_text) return type_text.error();
  auto type = parse_policy_type(*type_text);
  if (!type) return core::Error::invalid("unknown policy type " + *type_text);
  auto lines = lines_of(o.if_contains("policy_string"));
  if (!lines) return lines.error();
  auto mx = lines_of(o.if_contains("mx_host"));
  if (!mx) return mx.error();
  PolicyCounts counts;
  auto successful = count_of(o, "successful");
  if (!successful) return successful.error();
  auto failed = count_of(o, "failed");
  if (!failed) return failed.error();
  counts.successful = *successful;
  counts.failed = *failed;
  const json::value* failures = o.if_contains("failures");
  if (failures == nullptr || !failures->is_array()) {
    return core::Error::invalid("\"failures\": expected an array");
  }
  for (const auto& fv : failures->as_array()) {
    if (!fv.is_object()) return core::Error::invalid("expected an object per failure");
    auto key = failure_of(fv.as_object());
    if (!key) return key.error();
    auto n = count_of(fv.as_object(), "count");
    if (!n) return n.error();
    counts.failures[std::move(*key)] += *n;
  }
  CounterKey key{*day, std::move(*domain), AppliedPolicy{*type, std::move(*lines), std::move(*mx)}};
  Counters one;
  one.emplace(std::move(key), std::move(counts));
  merge_counters(out, one);
  return core::Ok{};
}

}  // namespace

std::string encode_lines(const std::vector<std::string>& lines) {
  return json::serialize(lines_array(lines));
}

core::Result<std::vector<std::string>> decode_lines(const std::string& text) {
  boost::system::error_code ec;
  json::value v = json::parse(text, ec);
  auto lines = ec ? core::Result<std::vector<std::string>>(core::Error::invalid(""))
                  : lines_of(&v);
  if (!lines) return core::Error::invalid("not a JSON array of strings: " + text);
  return lines;
}

std::string encode_counters(const Counters& counters) {
  json::array out;
  for (const auto& [key, counts] : counters) {
    json::array failures;
    for (const auto& [f, n] : counts.failures) {
      failures.emplace_back(json::object{
          {"result_type", sts::to_string(f.result_type)},
          {"sending_mta_ip", f.sending_mta_ip},
          {"receiving_mx_hostname", f.receiving_mx_hostname},
          {"receiving_mx_helo", f.receiving_mx_helo},
          {"receiving_ip", f.receiving_ip},
          {"failure_reason_code", f.failure_reason_code},
          {"additional_information", f.additional_information},
          {"count", n}});
    }
    out.emplace_back(json::object{{"day", format_day(key.day)},
                                  {"domain", key.policy_domain},
                                  {"policy_type", to_string(key.policy.type)},
                                  {"policy_string", lines_array(key.policy.policy_string)},
                                  {"mx_host", lines_array(key.policy.mx_host)},
                                  {"successful", counts.successful},
                                  {"failed", counts.failed},
                                  {"failures", std::move(failures)}});
  }
  return json::serialize(out);
}

core::Result<Counters> decode_counters(std::string_view text) {
  boost::system::error_code ec;
  json::value v = json::parse(text, ec);
  if (ec || !v.is_array()) return core::Error::invalid("counters: expected a JSON array");
  Counters out;
  for (const auto& e : v.as_array()) {
    if (auto st = entry_of(e, out); !st) {
      return core::Error::invalid("counters: " + st.error().message);
    }
  }
  return out;
}

}  // namespace stsrelay::tlsrpt
