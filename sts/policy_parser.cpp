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

#include <optional>
#include <string>

#include "sts/domain_name.hpp"
#include "sts/printable.hpp"

namespace stsrelay::sts {

std::string_view to_string(Mode mode) {
  switch (mode) {
    case Mode::enforce: return "enforce";
    case Mode::testing: return "testing";
    case Mode::none: return "none";
  }
  return "none";
}

namespace {

constexpr std::size_t kMaxExtNameLength = 32;
constexpr std::size_t kMaxAgeDigits = 10;

bool is_wsp(char c) { return c == ' ' || c == '\t'; }
bool is_alnum(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && is_wsp(s.front())) s.remove_prefix(1);
  while (!s.empty() && is_wsp(s.back())) s.remove_suffix(1);
  return s;
}

bool is_ext_name(std::string_view name) {
  if (name.empty() || name.size() > kMaxExtNameLength || !is_alnum(name.front())) return false;
  for (char c : name) {
    if (!is_alnum(c) && c != '_' && c != '-' && c != '.') return false;
  }
  return true;
}

// sts-policy-vchar and %x20: printable ASCII, SP and well-formed UTF-8 (RFC 3629 §4), no CTLs.
// Tabs only appear inside a value in the ABNF as trailing *WSP, which trim() removed.
bool is_value_text(std::string_view s) {
  std::size_t i = 0;
  while (i < s.size()) {
    auto c = static_cast<unsigned char>(s[i]);
    if (c >= 0x20 && c <= 0x7e) {
      ++i;
      continue;
    }
    std::size_t n = 0;
    unsigned char lo = 0x80, hi = 0xbf;
    if (c >= 0xc2 && c <= 0xdf) {
      n = 1;
    } else if (c >= 0xe0 && c <= 0xef) {
      n = 2;
      if (c == 0xe0) lo = 0xa0;
      if (c == 0xed) hi = 0x9f;  // no UTF-16 surrogates
    } else if (c >= 0xf0 && c <= 0xf4) {
      n = 3;
      if (c == 0xf0) lo = 0x90;
      if (c == 0xf4) hi = 0x8f;
    } else {
      return false;  // CTL, DEL, stray continuation byte, overlong lead byte
    }
    if (i + n >= s.size()) return false;  // truncated sequence
    for (std::size_t k = 1; k <= n; ++k) {
      auto b = static_cast<unsigned char>(s[i + k]);
      if (b < (k == 1 ? lo : 0x80) || b > (k == 1 ? hi : 0xbf)) return false;
    }
    i += n + 1;
  }
  return true;
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
    if (c < '0' || c > '9') return core::Error::invalid("max_age must be digits only");
    n = n * 10 + (c - '0');  // at most 10 digits: fits in int64
  }
  if (n > kMaxMaxAge) return core::Error::invalid("max_age above 31557600");
  return n;
}

// sts-policy-mx-value = ["*."] Domain
core::Result<std::string> parse_mx_pattern(std::string_view v) {
  for (char c : v) {
    if (static_cast<unsigned char>(c) >= 0x80) {
      return core::Error::invalid("\"" + printable(v) + "\" is not in A-label form (RFC 8461 §3.2)");
    }
  }
  bool wildcard = v.starts_with("*.");
  auto host = normalize_host(wildcard ? v.substr(2) : v);
  if (!host) return host.error();
  return wildcard ? "*." + *host : std::move(*host);
}

}  // namespace

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
    std::string_view line = trim(raw);
    if (line.empty()) continue;  // choice: blank lines are skipped
    std::size_t colon = line.find(':');
    if (colon == std::string_view::npos) {
      return invalid(line_no, "no ':' in \"" + printable(line) + "\"");
    }
    std::string_view key = line.substr(0, colon);
    if (!key.empty() && is_wsp(key.back())) {
      return invalid(line_no, "whitespace between field name and ':' in \"" + printable(line) +
                                  "\"");
    }
    std::string_view value = trim(line.substr(colon + 1));
    if (!is_ext_name(key)) return invalid(line_no, "invalid field name \"" + printable(key) + "\"");
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
        return invalid(line_no, "version is \"" + printable(value) + "\", not STSv1");
      }
      version = value;
    } else if (key == "mode") {
      if (mode) continue;
      if (value == "enforce") {
        mode = Mode::enforce;
      } else if (value == "testing") {
        mode = Mode::testing;
      } else if (value == "none") {
        mode = Mode::none;
      } else {
        return invalid(line_no, "mode is \"" + printable(value) +
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
