#include "src/db/pg_error.hpp"

namespace stsrelay::db {

core::ErrorKind pg_error_kind(std::string_view sqlstate) {
  if (sqlstate.size() != 5) return core::ErrorKind::temporary;  // no answer: the link broke
  const std::string_view cls = sqlstate.substr(0, 2);
  if (cls == "08" || cls == "53" || cls == "57" || cls == "40" || cls == "58") {
    return core::ErrorKind::temporary;
  }
  if (sqlstate == "55P03") return core::ErrorKind::temporary;
  if (cls == "23" || cls == "22") return core::ErrorKind::invalid;
  return core::ErrorKind::permanent;
}

core::Error pg_error(std::string_view sqlstate, std::string_view context,
                     std::string_view message) {
  std::string text(message);
  while (!text.empty() && (text.back() == '\n' || text.back() == ' ')) text.pop_back();
  // libpq prefixes server messages with "ERROR:  "; the kind already says it is one.
  if (text.rfind("ERROR:  ", 0) == 0) text.erase(0, 8);
  for (char& c : text) {
    if (c == '\n') c = ' ';
  }
  std::string out = std::string(context) + ": " + (text.empty() ? "no reply" : text);
  out += sqlstate.empty() ? " (no SQLSTATE)" : " (SQLSTATE " + std::string(sqlstate) + ")";
  return core::Error{pg_error_kind(sqlstate), std::move(out)};
}

std::string pg_statement_context(std::string_view sql) {
  constexpr std::size_t kMax = 48;
  std::string out(sql.substr(0, kMax));
  for (char& c : out) {
    if (c == '\n') c = ' ';
  }
  if (sql.size() > kMax) out += "...";
  return out;
}

}  // namespace stsrelay::db
