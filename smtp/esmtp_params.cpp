#include "smtp/esmtp_params.hpp"

#include <limits>
#include <vector>

#include "src/core/ascii.hpp"
#include "src/core/utf8.hpp"

namespace stsrelay::smtp {
namespace {

struct Param {
  std::string keyword;  // upper case
  std::optional<std::string_view> value;
};

Reply syntax_error(std::string_view text) { return make_reply(501, "5.5.4", text); }

// esmtp-param = esmtp-keyword ["=" esmtp-value]; esmtp-keyword = (ALPHA / DIGIT)
// *(ALPHA / DIGIT / "-"); esmtp-value = 1*(%d33-60 / %d62-126), plus UTF-8 (RFC 6531 §3.3).
std::optional<Reply> split_params(std::string_view text, std::vector<Param>& out) {
  std::size_t i = 0;
  while (i < text.size()) {
    if (text[i] == ' ') {
      ++i;
      continue;
    }
    std::size_t end = text.find(' ', i);
    if (end == std::string_view::npos) end = text.size();
    std::string_view token = text.substr(i, end - i);
    i = end;
    std::size_t eq = token.find('=');
    std::string_view keyword = token.substr(0, eq);
    if (keyword.empty() || !core::is_alnum(keyword.front())) {
      return syntax_error("Bad parameter syntax");
    }
    for (char c : keyword) {
      if (!core::is_alnum(c) && c != '-') return syntax_error("Bad parameter syntax");
    }
    Param p{core::to_upper_ascii(keyword), std::nullopt};
    if (eq != std::string_view::npos) {
      std::string_view value = token.substr(eq + 1);
      if (value.empty() || !core::is_valid_utf8(value)) return syntax_error("Bad parameter value");
      for (char c : value) {
        auto u = static_cast<unsigned char>(c);
        if (u < 33 || u == '=' || u == 127) return syntax_error("Bad parameter value");
      }
      p.value = value;
    }
    for (const Param& seen : out) {
      if (seen.keyword == p.keyword) return syntax_error("Duplicate parameter " + p.keyword);
    }
    out.push_back(std::move(p));
  }
  return std::nullopt;
}

Reply unsupported(const Param& p) {
  return make_reply(555, "5.5.4", "Unsupported parameter " + p.keyword);
}

std::optional<std::uint64_t> parse_size(std::string_view v) {
  // RFC 1870 §4: size-value = 1*20DIGIT
  if (v.empty() || v.size() > 20) return std::nullopt;
  std::uint64_t n = 0;
  for (char c : v) {
    if (!core::is_digit(c)) return std::nullopt;
    auto d = static_cast<std::uint64_t>(c - '0');
    if (n > (std::numeric_limits<std::uint64_t>::max() - d) / 10) {
      n = std::numeric_limits<std::uint64_t>::max();
    } else {
      n = n * 10 + d;
    }
  }
  return n;
}

// RFC 6533 §3 utf-8-addr-xtext: printable ASCII but "+", "\" and "=", UTF-8, and "\x{HEX}".
bool is_utf8_addr_xtext(std::string_view s) {
  if (s.empty()) return false;
  for (std::size_t i = 0; i < s.size(); ++i) {
    char c = s[i];
    if (c == '\\') {
      if (s.substr(i, 3) != "\\x{") return false;
      std::size_t close = s.find('}', i);
      if (close == std::string_view::npos || close - i - 3 < 2 || close - i - 3 > 6) return false;
      for (std::size_t k = i + 3; k < close; ++k) {
        if (!core::is_hex(s[k]) || (s[k] >= 'a' && s[k] <= 'f')) return false;
      }
      i = close;
    } else if (c == '+' || c == '=' || (!core::is_non_ascii(c) && (c < 33 || c > 126))) {
      return false;
    }
  }
  return core::is_valid_utf8(s);
}

bool valid_orcpt(std::string_view v) {
  // RFC 3461 §4.2: ORCPT=addr-type ";" xtext, at most 500 characters.
  if (v.size() > 500) return false;
  std::size_t semi = v.find(';');
  if (semi == 0 || semi == std::string_view::npos) return false;
  std::string_view type = v.substr(0, semi);
  for (char c : type) {
    if (!core::is_alnum(c) && c != '-') return false;
  }
  std::string_view addr = v.substr(semi + 1);
  if (core::iequals(type, "utf-8")) return is_utf8_addr_xtext(addr);
  return !addr.empty() && is_xtext(addr);
}

}  // namespace

bool is_xtext(std::string_view s) {
  for (std::size_t i = 0; i < s.size(); ++i) {
    char c = s[i];
    if (c == '+') {
      auto up = [](char h) { return core::is_digit(h) || (h >= 'A' && h <= 'F'); };
      if (i + 2 >= s.size() || !up(s[i + 1]) || !up(s[i + 2])) return false;
      i += 2;
    } else if (c < '!' || c > '~' || c == '=') {
      return false;
    }
  }
  return true;
}

std::optional<Reply> parse_mail_parameters(std::string_view text, MailParameters& out,
                                          const MailContext& context) {
  std::vector<Param> params;
  if (auto err = split_params(text, params)) return err;
  for (const Param& p : params) {
    const std::string_view v = p.value.value_or("");
    if (p.keyword == "SIZE") {
      auto size = parse_size(v);
      if (!size) return syntax_error("Bad SIZE value");
      out.size = size;
    } else if (p.keyword == "BODY") {
      if (core::iequals(v, "7BIT")) {
        out.body = core::BodyType::seven_bit;
      } else if (core::iequals(v, "8BITMIME")) {
        out.body = core::BodyType::eight_bit_mime;
      } else {
        // BINARYMIME (RFC 3030) needs CHUNKING, which is not offered.
        return syntax_error("Unsupported BODY type");
      }
    } else if (p.keyword == "SMTPUTF8") {
      if (p.value) return syntax_error("SMTPUTF8 takes no value");
      out.smtputf8 = true;
    } else if (p.keyword == "RET") {
      if (core::iequals(v, "FULL")) {
        out.ret = core::DsnRet::full;
      } else if (core::iequals(v, "HDRS")) {
        out.ret = core::DsnRet::hdrs;
      } else {
        return syntax_error("Bad RET value");
      }
    } else if (p.keyword == "ENVID") {
      // RFC 3461 §4.4: xtext, at most 100 characters.
      if (v.empty() || v.size() > 100 || !is_xtext(v)) return syntax_error("Bad ENVID value");
      out.envid = std::string(v);
    } else if (p.keyword == "AUTH") {
      // RFC 4954 §5: AUTH=<> or AUTH=xtext. Validated, then ignored.
      if (v != "<>" && (v.empty() || !is_xtext(v))) return syntax_error("Bad AUTH value");
    } else if (p.keyword == "REQUIRETLS") {
      // RFC 8689 §2: a session without TLS did not offer the extension (RFC 5321 §4.1.1.11).
      if (!context.requiretls_offered) {
        return make_reply(555, "5.5.4",
                          "Unsupported parameter REQUIRETLS: offered only after STARTTLS");
      }
      if (p.value) return syntax_error("REQUIRETLS takes no value");  // RFC 8689 §2
      out.requiretls = true;
    } else {
      return unsupported(p);
    }
  }
  return std::nullopt;
}

std::optional<Reply> parse_rcpt_parameters(std::string_view text, RcptParameters& out) {
  std::vector<Param> params;
  if (auto err = split_params(text, params)) return err;
  for (const Param& p : params) {
    const std::string_view v = p.value.value_or("");
    if (p.keyword == "NOTIFY") {
      // RFC 3461 §4.1: "NEVER" alone, or a comma list of SUCCESS, FAILURE, DELAY.
      std::uint8_t flags = 0;
      std::size_t start = 0;
      while (true) {
        std::size_t comma = v.find(',', start);
        std::string_view item = v.substr(
            start, comma == std::string_view::npos ? std::string_view::npos : comma - start);
        std::uint8_t bit = 0;
        if (core::iequals(item, "NEVER")) bit = core::kNotifyNever;
        else if (core::iequals(item, "SUCCESS")) bit = core::kNotifySuccess;
        else if (core::iequals(item, "FAILURE")) bit = core::kNotifyFailure;
        else if (core::iequals(item, "DELAY")) bit = core::kNotifyDelay;
        if (bit == 0 || (flags & bit)) return syntax_error("Bad NOTIFY value");
        flags |= bit;
        if (comma == std::string_view::npos) break;
        start = comma + 1;
      }
      if ((flags & core::kNotifyNever) && flags != core::kNotifyNever) {
        return syntax_error("NOTIFY=NEVER cannot be combined");
      }
      out.notify = flags;
    } else if (p.keyword == "ORCPT") {
      if (!valid_orcpt(v)) return syntax_error("Bad ORCPT value");
      out.orcpt = std::string(v);
    } else {
      return unsupported(p);
    }
  }
  return std::nullopt;
}

}  // namespace stsrelay::smtp
