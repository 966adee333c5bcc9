#include "src/dkim/key_record_check.hpp"

#include "src/dkim/tag_list.hpp"

namespace stsrelay::dkim {
namespace {

KeyRecordVerdict fail(std::string detail) { return {false, std::move(detail)}; }

// A colon-separated tag value (s=, h=, t=) holds `word`, or "*" where `star` allows it.
bool lists(std::string_view list, std::string_view word, bool star) {
  while (true) {
    const std::size_t colon = list.find(':');
    const std::string_view item = list.substr(0, colon);
    if (item == word || (star && item == "*")) return true;
    if (colon == std::string_view::npos) return false;
    list.remove_prefix(colon + 1);
  }
}

}  // namespace

KeyRecordVerdict check_key_record(const std::vector<std::string>& txt_records,
                                  const DkimKey& key) {
  if (txt_records.empty()) return fail("no TXT record");
  if (txt_records.size() > 1) {
    return fail(std::to_string(txt_records.size()) +
                " TXT records: verifiers need exactly one key record at the name");
  }
  auto tags = parse_tag_list(txt_records.front());
  if (!tags) return fail("not a DKIM key record: " + tags.error().message);
  if (!tags->tags.empty() && tags->tags.front().first == "v" && tags->tags.front().second != "DKIM1") {
    return fail("v=" + tags->tags.front().second + ", not DKIM1");
  }
  if (auto v = tags->get("v"); v && tags->tags.front().first != "v") {
    return fail("v= must be the first tag (RFC 6376 section 3.6.1)");
  }
  const auto p = tags->get("p");
  if (!p) return fail("the record has no p= tag");
  if (p->empty()) return fail("the key is revoked (empty p=)");
  const std::string_view k = tags->get("k").value_or("rsa");
  if (k != to_string(key.type())) {
    return fail("the record says k=" + std::string(k) + ", the key file holds an " +
                std::string(to_string(key.type())) + " key");
  }
  if (auto h = tags->get("h"); h && !lists(*h, "sha256", false)) {
    return fail("h=" + std::string(*h) + " does not allow sha256");
  }
  if (auto s = tags->get("s"); s && !lists(*s, "email", true)) {
    return fail("s=" + std::string(*s) + ": the key is not for email, verifiers ignore "
                "signatures of relayed mail made with it");
  }
  if (*p != key.public_key_base64()) {
    return fail("the published key (p=) is not the public half of the key file");
  }
  std::string detail = std::string(to_string(key.type())) + " key";
  if (key.type() == DkimKeyType::rsa) detail += ", " + std::to_string(key.bits()) + " bits";
  if (auto t = tags->get("t"); t && lists(*t, "y", false)) {
    detail += "; t=y: the domain is testing DKIM, verifiers may treat failures as passes";
  }
  return {true, detail};
}

}  // namespace stsrelay::dkim
