// RFC 8461 §3.1 ABNF, which this file implements clause by clause:
//
//   sts-text-record = sts-version 1*(sts-field-delim sts-field) [sts-field-delim]
//   sts-field       = sts-id / sts-extension
//   sts-field-delim = *WSP ";" *WSP
//   sts-version     = %s"v=STSv1"
//   sts-id          = %s"id=" 1*32(ALPHA / DIGIT)
//   sts-extension   = sts-ext-name "=" sts-ext-value
//   sts-ext-name    = (ALPHA / DIGIT) *31(ALPHA / DIGIT / "_" / "-" / ".")
//   sts-ext-value   = 1*(%x21-3A / %x3C / %x3E-7E)
//
// Choices where the RFC is silent (each pinned by a row of tests/unit/sts/txt_record_test.cpp):
// - A repeated `id` keeps its first value, as §3.2 prescribes for repeated policy fields. A field
//   named `id` whose value is no valid sts-id (a hyphen, 33 characters) is not an sts-id at all:
//   the ABNF reads it as an sts-extension, so it is checked as one, and the first valid `id`
//   stands.
// - Trailing whitespace after the last field is accepted: it carries no meaning and rejecting it
//   would turn a published policy into "no policy" (choose what protects mail).
#include "sts/txt_record.hpp"

#include <optional>

#include "src/core/ascii.hpp"
#include "src/core/log_quote.hpp"
#include "sts/field_syntax.hpp"

namespace stsrelay::sts {
namespace {

constexpr std::string_view kVersion = "v=STSv1";
constexpr std::string_view kVersionPrefix = "v=STSv1;";  // §3.1: what every record begins with
constexpr std::size_t kMaxIdLength = 32;

bool is_sts_id(std::string_view value) {
  if (value.empty() || value.size() > kMaxIdLength) return false;
  for (char c : value) {
    if (!core::is_alnum(c)) return false;
  }
  return true;
}

}  // namespace

bool is_sts_record(std::string_view text) {
  // §3.1: "Records that do not begin with "v=STSv1;" are discarded", the semicolon included:
  // "v=STSv1 ; id=1", "v=STSv1 id=1" and a bare "v=STSv1" are not MTA-STS records, so they
  // neither count towards "more than one record" nor make the domain's record malformed.
  return text.starts_with(kVersionPrefix);
}

TxtParseResult parse_txt_record(std::string_view text) {
  if (!is_sts_record(text)) return TxtMalformed{"does not begin with \"v=STSv1;\""};
  std::string_view rest = text.substr(kVersion.size());
  std::optional<std::string> id;
  std::optional<std::string_view> unusable_id;  // the first `id` that is no sts-id, for the reason
  bool any_field = false;
  for (;;) {
    // sts-field-delim = *WSP ";" *WSP
    std::size_t i = 0;
    while (i < rest.size() && core::is_wsp(rest[i])) ++i;
    if (i == rest.size()) break;  // trailing whitespace: accepted (see header comment)
    if (rest[i] != ';') {
      return TxtMalformed{"expected ';' between fields at \"" + core::printable(rest.substr(i)) +
                          "\""};
    }
    ++i;
    while (i < rest.size() && core::is_wsp(rest[i])) ++i;
    rest = rest.substr(i);
    if (rest.empty()) break;  // [sts-field-delim] at the end: a trailing ";" is allowed
    std::size_t end = 0;
    while (end < rest.size() && rest[end] != ';' && !core::is_wsp(rest[end])) ++end;
    std::string_view field = rest.substr(0, end);
    rest = rest.substr(end);
    std::size_t eq = field.find('=');
    if (eq == std::string_view::npos) {
      return TxtMalformed{"field without '=': \"" + core::printable(field) + "\""};
    }
    std::string_view name = field.substr(0, eq);
    std::string_view value = field.substr(eq + 1);
    any_field = true;
    if (name == "id") {  // %s"id=": the name is case-sensitive
      if (is_sts_id(value)) {
        if (!id) id = std::string(value);
        continue;
      }
      if (!unusable_id) unusable_id = value;  // then read as an sts-extension, below
    }
    // Extension fields are allowed and ignored, but must still be well-formed.
    if (!is_ext_name(name)) {
      return TxtMalformed{"invalid field name: \"" + core::printable(name) + "\""};
    }
    if (value.empty()) return TxtMalformed{"empty value for field " + std::string(name)};
    for (char c : value) {
      if (!is_ext_value_char(c)) {
        return TxtMalformed{"invalid character in value of field " + std::string(name)};
      }
    }
  }
  if (!any_field) return TxtMalformed{"id missing (no field after v=STSv1)"};
  if (!id && unusable_id) {
    return TxtMalformed{"id is not 1 to 32 letters and digits: \"" +
                        core::printable(*unusable_id) + "\""};
  }
  if (!id) return TxtMalformed{"id missing"};
  return TxtOk{std::move(*id)};
}

TxtParseResult parse_txt_records(const std::vector<TxtRecord>& records) {
  std::optional<std::string> found;
  std::size_t count = 0;
  for (const TxtRecord& record : records) {
    std::string joined;
    for (const std::string& s : record) joined += s;
    if (!is_sts_record(joined)) continue;  // §3.1: other TXT records of the name are discarded
    ++count;
    if (!found) found = std::move(joined);
  }
  if (count == 0) return TxtNoRecord{};
  if (count > 1) return TxtMultiple{count};
  return parse_txt_record(*found);
}

std::string describe(const TxtParseResult& result) {
  struct Visitor {
    std::string operator()(const TxtOk& ok) const { return "ok id=" + ok.id; }
    std::string operator()(const TxtNoRecord&) const { return "no v=STSv1 record"; }
    std::string operator()(const TxtMultiple& m) const {
      return "multiple v=STSv1 records (" + std::to_string(m.count) + ")";
    }
    std::string operator()(const TxtMalformed& m) const { return "malformed: " + m.reason; }
  };
  return std::visit(Visitor{}, result);
}

}  // namespace stsrelay::sts
