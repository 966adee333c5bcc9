#include "smtp/command.hpp"

#include "src/core/ascii.hpp"
#include "src/core/enum_names.hpp"

namespace stsrelay::smtp {
namespace {

// Every verb but Verb::unknown, which is named by the fallback.
constexpr core::EnumNameList<Verb::auth> kVerbs{{
    "HELO", "EHLO", "MAIL", "RCPT", "DATA", "RSET", "NOOP", "QUIT", "VRFY", "EXPN", "HELP",
    "STARTTLS", "AUTH",
}, "UNKNOWN"};

bool is_space(char c) { return c == ' ' || c == '\t'; }

}  // namespace

std::string_view to_string(Verb verb) { return kVerbs.name(verb); }

Command parse_command(std::string_view line) {
  Command cmd;
  std::size_t end = line.size();
  while (end > 0 && is_space(line[end - 1])) --end;
  line = line.substr(0, end);
  std::size_t sp = line.find(' ');
  std::string_view verb = line.substr(0, sp);
  // RFC 5321 §2.4: verbs are case-insensitive.
  cmd.verb = kVerbs.find([verb](std::string_view name) { return core::iequals(verb, name); })
                 .value_or(Verb::unknown);
  if (sp != std::string_view::npos) {
    std::size_t arg = sp;
    while (arg < line.size() && line[arg] == ' ') ++arg;
    cmd.argument = std::string(line.substr(arg));
  }
  return cmd;
}

std::optional<PathArgument> split_path_argument(std::string_view argument,
                                                std::string_view keyword) {
  if (!core::istarts_with(argument, keyword)) return std::nullopt;
  std::size_t i = keyword.size();
  // Postfix accepts "MAIL FROM: <a@b>"; RFC 5321 has no space there.
  while (i < argument.size() && argument[i] == ' ') ++i;
  if (i >= argument.size() || argument[i] != '<') return std::nullopt;
  std::size_t start = i;
  bool quoted = false;
  for (++i; i < argument.size(); ++i) {
    char c = argument[i];
    if (quoted && c == '\\') {
      ++i;  // the quoted pair's second octet cannot end the path
    } else if (c == '"') {
      quoted = !quoted;
    } else if (c == '>' && !quoted) {
      break;
    }
  }
  if (i >= argument.size()) return std::nullopt;
  PathArgument out;
  out.path = std::string(argument.substr(start, i - start + 1));
  std::string_view rest = argument.substr(i + 1);
  if (!rest.empty()) {
    if (rest.front() != ' ') return std::nullopt;
    std::size_t p = 0;
    while (p < rest.size() && rest[p] == ' ') ++p;
    out.parameters = std::string(rest.substr(p));
  }
  return out;
}

}  // namespace stsrelay::smtp
