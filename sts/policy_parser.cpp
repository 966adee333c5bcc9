// RFC 8461 §3.2, the policy file. The ABNF, condensed:
//
//   sts-policy-record  = sts-policy-field *WSP *(sts-policy-term sts-policy-field *WSP)
//                        [sts-policy-term]
//   sts-policy-term    = LF / CRLF
//   sts-policy-field-delim = ":" *WSP
//   version: %s"STSv1"   mode: %s"testing" / %s"enforce" / %s"none"
//   max_age: 1*10(DIGIT) mx: ["*."] Domain
//   sts-policy-extension = sts-policy-ext-name ":" *WSP sts-policy-ext-value
//   sts-policy-ext-name  = (ALPHA / DIGIT) *31(ALPHA / DIGIT / "_" / "-" / ".")
//   sts-policy-ext-value = sts-policy-vchar [*(%x20 / sts-policy-vchar) sts-policy-vchar]
//   sts-policy-vchar     = %x21-7E / UTF8-2 / UTF8-3 / UTF8-4
//
// and the prose: unknown fields SHOULD be ignored; "If any non-repeated field -- i.e., all fields
// excepting "mx" -- is duplicated, all entries except for the first SHALL be ignored"; "If any
// field is not specified, the policy SHALL be treated as invalid"; mx is required at least once
// except when mode is "none"; max_age at most 31557600.
//
// The fields may come in any order: the ABNF gives no order for the policy file (unlike the TXT
// record, whose sts-version must come first), so `version` need not be the first line.
//
// Choices where the RFC is silent or where strictness would only turn a published policy into
// "no policy" (each pinned by a row of tests/unit/sts/policy_parser_test.cpp):
// - Blank (or whitespace-only) lines are skipped. The ABNF has no empty field, but editors add
//   them, and a blank line carries no meaning.
// - Whitespace at the start of a line is tolerated, like trailing whitespace.
// - Leading zeros in max_age are allowed (1*10(DIGIT) allows them); 11 or more digits are not.
// - A trailing dot on an mx pattern is dropped.
// Where the ABNF is explicit, it holds (each also a row of the test table):
// - No whitespace between a field name and its ':' (sts-policy-field-delim = ":" *WSP follows the
//   name directly): "mode : enforce" is not a field, and the policy is invalid.
// - A byte order mark before `version` is not an sts-policy-ext-name either: the policy is
//   invalid, as it is for receivers of the RFC's reference implementations.
// - mx values are A-labels (§3.2: "in the form of an A-label"): a U-label makes the policy
//   invalid rather than being converted.
// Keys and the version/mode values are case-sensitive (%s in the ABNF): "Mode: Enforce" is an
// unknown key, and the policy then lacks its mode.
#include "sts/policy_parser.hpp"

#include <algorithm>
#include <optional>
#include <string>

#include "src/core/ascii.hpp"
#include "src/core/domain_name.hpp"
#include "src/core/enum_names.hpp"
#include "src/core/log_quote.hpp"
#include "src/core/utf8.hpp"
#include "sts/field_syntax.hpp"

namespace stsrelay::sts {

namespace {

constexpr core::EnumNameList<Mode::none> kModeNames{{"enforce", "testing", "none"}, "none"};

constexpr std::size_t kMaxAgeDigits = 10;

// sts-policy-vchar and %x20: printable ASCII, SP and well-formed UTF-8 (RFC 3629 §4), no CTLs.
// Tabs only appear inside a value in the ABNF as trailing *WSP, which trim_wsp() removed.
bool is_value_text(std::string_view s) {
  return std::all_of(s.begin(), s.end(),
                     [](char c) { return core::is_printable(c) || core::is_non_ascii(c); }) &&
         core::is_valid_utf8(s);
}

core::Error invalid(std::size_t line_no, const std::string& what) {
  return core::Error::invalid("policy line " + std::to_string(line_no) + ": " + what);
}

core::Result<std::int64_t> parse_max_age(std::string_view v) {
  if (v.empty() || v.size() > kMaxAgeDigits) {
    return core::Error::invalid("max_age must be 1 to 10 digits");
  }
  std::int64_t n = 0;
  for (char c : v) {
    if (!core::is_digit(c)) return core::Error::invalid("max_age must be digits only");
    n = n * 10 + (c - '0');  // at most 10 digits: fits in int64
  }
  if (n > kMaxMaxAge) return core::Error::invalid("max_age above 31557600");
  return n;
}

// sts-policy-mx-value = ["*."] Domain
core::Result<std::string> parse_mx_pattern(std::string_view v) {
  if (core::has_non_ascii(v)) {
    return core::Error::invalid("\"" + core::printable(v) + "\" is not in A-label form");
  }
  bool wildcard = v.starts_with("*.");
  auto host = core::normalize_domain(wildcard ? v.substr(2) : v);
  if (!host) return host.error();
  return wildcard ? "*." + *host : std::move(*host);
}

}  // namespace

std::string_view to_string(Mode mode) { return kModeNames.name(mode); }

core::Result<Policy> parse_policy(std::string_view text) {
  Policy policy;
  std::optional<std::string_view> version;
  std::optional<Mode> mode;
  std::optional<std::int64_t> max_age;
  std::size_t line_no = 0;
  while (!text.empty()) {
    ++line_no;
    // sts-policy-term = LF / CRLF; a missing final line ending is fine ([sts-policy-term]).
    std::size_t lf = text.find('\n');
    std::string_view raw = text.substr(0, lf);
    text = lf == std::string_view::npos ? std::string_view{} : text.substr(lf + 1);
    if (!raw.empty() && raw.back() == '\r') raw.remove_suffix(1);
    std::string_view line = core::trim_wsp(raw);
    if (line.empty()) continue;  // choice: blank lines are skipped
    std::size_t colon = line.find(':');
    if (colon == std::string_view::npos) {
      return invalid(line_no, "no ':' in \"" + core::printable(line) + "\"");
    }
    std::string_view key = line.substr(0, colon);
    if (!key.empty() && core::is_wsp(key.back())) {
      return invalid(line_no, "whitespace between field name and ':' in \"" +
                                  core::printable(line) + "\"");
    }
    std::string_view value = core::trim_wsp(line.substr(colon + 1));
    if (!is_ext_name(key)) {
      return invalid(line_no, "invalid field name \"" + core::printable(key) + "\"");
    }
    if (value.empty()) return invalid(line_no, "empty value for " + std::string(key));
    if (!is_value_text(value)) {
      return invalid(line_no, "control character or invalid UTF-8 in value of " +
                                  std::string(key));
    }
    policy.lines.emplace_back(raw);
    if (key == "mx") {  // the one field that repeats
      auto pattern = parse_mx_pattern(value);
      if (!pattern) return invalid(line_no, "mx: " + pattern.error().message);
      policy.mx.push_back(std::move(*pattern));
    } else if (key == "version") {
      if (version) continue;  // §3.2: a repeated field keeps its first value
      if (value != "STSv1") {
        return invalid(line_no, "version is \"" + core::printable(value) + "\", not STSv1");
      }
      version = value;
    } else if (key == "mode") {
      if (mode) continue;
      mode = kModeNames.parse(value);
      if (!mode) {
        return invalid(line_no, "mode is \"" + core::printable(value) +
                                    "\", not enforce, testing or none");
      }
    } else if (key == "max_age") {
      if (max_age) continue;
      auto n = parse_max_age(value);
      if (!n) return invalid(line_no, n.error().message);
      max_age = *n;
    }
    // Any other key is an extension: §3.2 "unknown fields SHOULD be ignored".
  }
  if (!version) return core::Error::invalid("policy has no version field");
  if (!mode) return core::Error::invalid("policy has no mode field");
  if (!max_age) return core::Error::invalid("policy has no max_age field");
  if (*mode != Mode::none && policy.mx.empty()) {
    return core::Error::invalid("policy in mode " + std::string(to_string(*mode)) +
                                " has no mx field");
  }
  policy.mode = *mode;
  policy.max_age = *max_age;
  return policy;
}

}  // namespace stsrelay::sts
