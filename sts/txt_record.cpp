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
    // Trailing whitespace and a trailing ";" ([sts-field-delim]) are accepted (header comment).
    const FieldDelim delim = take_field_delim(rest);
    if (delim == FieldDelim::end) break;
    if (delim == FieldDelim::missing) {
      return TxtMalformed{"expected ';' between fields at \"" + core::printable(rest) + "\""};
    }
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
    if (auto why = extension_field_error(name, value)) return TxtMalformed{std::move(*why)};
  }
  if (!any_field) return TxtMalformed{"id missing (no field after v=STSv1)"};
  if (!id && unusable_id) {
    return TxtMalformed{"id is not 1 to 32 letters and digits: \"" +
                        core::printable(*unusable_id) + "\""};
  }
  if (!id) return TxtMalformed{"id missing"};
  return TxtOk{std::move(*id)};
}

WantedRecords find_records(const std::vector<TxtRecord>& records,
                           bool (*is_wanted)(std::string_view text)) {
  WantedRecords out;
  for (const TxtRecord& record : records) {
    std::string joined;
    for (const std::string& s : record) joined += s;
    if (!is_wanted(joined)) continue;
    ++out.count;
    if (!out.first) out.first = std::move(joined);
  }
  return out;
}

TxtParseResult parse_txt_records(const std::vector<TxtRecord>& records) {
  const WantedRecords found = find_records(records, is_sts_record);
  if (found.count == 0) return TxtNoRecord{};
  if (found.count > 1) return TxtMultiple{found.count};
  return parse_txt_record(*found.first);
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
