// RFC 8460 §3 ABNF, which this file implements clause by clause:
//
//   tlsrpt-record    = tlsrpt-version 1*(field-delim tlsrpt-field) [field-delim]
//   field-delim      = *WSP ";" *WSP
//   tlsrpt-field     = tlsrpt-rua / tlsrpt-extension
//   tlsrpt-version   = %s"v=TLSRPTv1"
//   tlsrpt-rua       = %s"rua=" tlsrpt-uri *(*WSP "," *WSP tlsrpt-uri)
//   tlsrpt-uri       = URI   ; commas, exclamation points and semicolons MUST be encoded
//   tlsrpt-extension = tlsrpt-ext-name "=" tlsrpt-ext-value
//   tlsrpt-ext-name  = (ALPHA / DIGIT) *31(ALPHA / DIGIT / "_" / "-" / ".")
//   tlsrpt-ext-value = 1*(%x21-3A / %x3C / %x3E-7E)
//
// Choices where the RFC is silent (each pinned by a row of tests/unit/tlsrpt/rua_record_test.cpp):
// - Several `rua` fields are grammatical (1*(field-delim tlsrpt-field)); their URIs are joined.
// - A record without any `rua` field is malformed: it names nowhere to send.
// - Trailing whitespace after the last field is accepted, as sts/txt_record.cpp does.
// - A URI scheme is compared without regard to case (RFC 3986 §3.1); the URI is kept as written.
#include "tlsrpt/rua_record.hpp"

#include <algorithm>
#include <optional>

#include "src/core/ascii.hpp"
#include "src/core/log_quote.hpp"
#include "sts/field_syntax.hpp"

namespace stsrelay::tlsrpt {
namespace {

constexpr std::string_view kVersion = "v=TLSRPTv1";

// RFC 3986 characters (unreserved, gen-delims, sub-delims) less the three that §3 requires to be
// %-encoded inside tlsrpt-uri: ",", "!" and ";".
bool is_uri_char(char c) {
  if (core::is_alnum(c)) return true;
  return std::string_view("-._~:/?#[]@$&'()*+=").find(c) != std::string_view::npos;
}

// RFC 3986 §3: scheme ":" hier-part, with valid %-escapes.
bool is_uri(std::string_view uri) {
  std::size_t colon = uri.find(':');
  if (colon == std::string_view::npos || colon == 0 || !core::is_alpha(uri[0])) return false;
  for (char c : uri.substr(0, colon)) {
    if (!core::is_alnum(c) && c != '+' && c != '-' && c != '.') return false;
  }
  for (std::size_t i = colon + 1; i < uri.size(); ++i) {
    if (uri[i] == '%') {
      if (i + 2 >= uri.size() || !core::is_hex(uri[i + 1]) || !core::is_hex(uri[i + 2])) {
        return false;
      }
      i += 2;
    } else if (!is_uri_char(uri[i])) {
      return false;
    }
  }
  return true;
}

// §3: "mailto" (RFC 6068, an address with "@") and "https" (with a host) are the two schemes a
// report can be sent to.
bool is_usable_uri(std::string_view uri) {
  if (core::istarts_with(uri, "mailto:")) {
    std::string_view to = uri.substr(7);
    to = to.substr(0, to.find('?'));
    std::size_t at = to.rfind('@');
    return at != std::string_view::npos && at > 0 && at + 1 < to.size();
  }
  if (core::istarts_with(uri, "https://")) {
    std::string_view authority = uri.substr(8);
    authority = authority.substr(0, authority.find_first_of("/?#"));
    return !authority.empty();
  }
  return false;
}

// tlsrpt-uri *(*WSP "," *WSP tlsrpt-uri): appends each URI to `out`, or says what is wrong.
std::optional<std::string> split_uris(std::string_view value, std::vector<std::string>& out) {
  for (;;) {
    std::size_t comma = value.find(',');
    std::string_view uri = value.substr(0, comma);
    while (!uri.empty() && core::is_wsp(uri.back())) uri.remove_suffix(1);
    while (!uri.empty() && core::is_wsp(uri.front())) uri.remove_prefix(1);
    if (uri.empty()) return "empty URI in rua";
    if (!is_uri(uri)) {
      return "rua has something that is not a URI: \"" + core::printable(uri) + "\"";
    }
    out.emplace_back(uri);
    if (comma == std::string_view::npos) return std::nullopt;
    value = value.substr(comma + 1);
  }
}

}  // namespace

bool is_tlsrpt_record(std::string_view text) {
  // §3: records that do not begin with the version field are discarded. "v=TLSRPTv10" is another
  // version; "v=TLSRPTv1 ;" is ours with the optional whitespace of field-delim.
  if (!text.starts_with(kVersion)) return false;
  if (text.size() == kVersion.size()) return true;
  char next = text[kVersion.size()];
  return next == ';' || core::is_wsp(next);
}

RuaParseResult parse_rua_record(std::string_view text) {
  if (!is_tlsrpt_record(text)) return RuaMalformed{"does not begin with v=TLSRPTv1"};
  std::string_view rest = text.substr(kVersion.size());
  std::vector<std::string> uris;
  bool any_field = false;
  bool any_rua = false;
  for (;;) {
    // Trailing whitespace and a trailing ";" ([field-delim]) are accepted (the choices above).
    const sts::FieldDelim delim = sts::take_field_delim(rest);
    if (delim == sts::FieldDelim::end) break;
    if (delim == sts::FieldDelim::missing) {
      return RuaMalformed{"expected ';' between fields at \"" + core::printable(rest) + "\""};
    }
    // A field runs to the next ";" (URIs hold no unencoded ";"); whitespace before that ";"
    // belongs to field-delim.
    std::size_t end = rest.find(';');
    std::string_view field = rest.substr(0, end);
    while (!field.empty() && core::is_wsp(field.back())) field.remove_suffix(1);
    rest = rest.substr(field.size());
    any_field = true;
    std::size_t eq = field.find('=');
    if (eq == std::string_view::npos) {
      return RuaMalformed{"field without '=': \"" + core::printable(field) + "\""};
    }
    std::string_view name = field.substr(0, eq);
    std::string_view value = field.substr(eq + 1);
    if (name == "rua") {  // %s"rua=": the name is case-sensitive
      if (auto why = split_uris(value, uris)) return RuaMalformed{*why};
      any_rua = true;
      continue;
    }
    // Extension fields are ignored (§3).
    if (auto why = sts::extension_field_error(name, value)) return RuaMalformed{std::move(*why)};
  }
  if (!any_field) return RuaMalformed{"no field after v=TLSRPTv1"};
  if (!any_rua) return RuaMalformed{"rua missing"};
  RuaOk ok;
  for (std::string& uri : uris) {
    auto& into = is_usable_uri(uri) ? ok.rua : ok.ignored;
    if (std::find(into.begin(), into.end(), uri) == into.end()) into.push_back(std::move(uri));
  }
  if (ok.rua.empty()) return RuaNoUsableUri{std::move(ok.ignored)};
  return ok;
}

RuaParseResult parse_rua_records(const std::vector<sts::TxtRecord>& records) {
  // §3: a record's strings are joined without spaces.
  const sts::WantedRecords found = sts::find_records(records, is_tlsrpt_record);
  if (found.count == 0) return RuaNoRecord{};
  if (found.count > 1) return RuaMultiple{found.count};
  return parse_rua_record(*found.first);
}

std::string describe(const RuaParseResult& result) {
  struct Visitor {
    static std::string list(const std::vector<std::string>& v) {
      std::string out;
      for (const auto& s : v) out += (out.empty() ? "" : ",") + core::printable(s, 200);
      return out;
    }
    std::string operator()(const RuaOk& ok) const {
      std::string s = "ok rua=" + list(ok.rua);
      if (!ok.ignored.empty()) s += " ignored=" + list(ok.ignored);
      return s;
    }
    std::string operator()(const RuaNoRecord&) const { return "no v=TLSRPTv1 record"; }
    std::string operator()(const RuaMultiple& m) const {
      return "multiple v=TLSRPTv1 records (" + std::to_string(m.count) + ")";
    }
    std::string operator()(const RuaMalformed& m) const { return "malformed: " + m.reason; }
    std::string operator()(const RuaNoUsableUri& n) const {
      return "no mailto: or https: URI (ignored " + list(n.ignored) + ")";
    }
  };
  return std::visit(Visitor{}, result);
}

}  // namespace stsrelay::tlsrpt
