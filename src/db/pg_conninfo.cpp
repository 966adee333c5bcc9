#include "src/db/pg_conninfo.hpp"

#include <libpq-fe.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <memory>

namespace stsrelay::db {
namespace {

struct OptionsFree {
  void operator()(PQconninfoOption* o) const { PQconninfoFree(o); }
};
using Options = std::unique_ptr<PQconninfoOption, OptionsFree>;

// PQconninfoParse with its error message; nullptr options on failure.
Options parse(std::string_view conninfo, std::string& error) {
  const std::string text(conninfo);
  char* err = nullptr;
  Options options(PQconninfoParse(text.c_str(), &err));
  if (!options) {
    error = err != nullptr ? err : "out of memory";
    while (!error.empty() && (error.back() == '\n' || error.back() == ' ')) error.pop_back();
    PQfreemem(err);
  }
  return options;
}

}  // namespace

core::Status check_conninfo(std::string_view conninfo) {
  std::string error;
  if (!parse(conninfo, error)) return core::Error::invalid(error);
  return core::Ok{};
}

std::string redact_conninfo(std::string_view conninfo) {
  std::string error;
  Options options = parse(conninfo, error);
  if (!options) return "(unparsable conninfo)";
  std::string out;
  for (std::string_view key : {"host", "hostaddr", "port", "dbname", "user"}) {
    for (PQconninfoOption* o = options.get(); o->keyword != nullptr; ++o) {
      if (key != o->keyword || o->val == nullptr || *o->val == '\0') continue;
      if (!out.empty()) out += ' ';
      out += std::string(key) + "=" + o->val;
    }
  }
  return out.empty() ? "(libpq defaults)" : out;
}

std::vector<std::pair<std::string, std::string>> connect_params(const PgSettings& settings) {
  std::vector<std::pair<std::string, std::string>> params;
  params.emplace_back("dbname", settings.conninfo);
  params.emplace_back("connect_timeout", std::to_string(settings.connect_timeout.count()));
  params.emplace_back("options", "-c statement_timeout=" +
                                     std::to_string(settings.statement_timeout.count()));
  params.emplace_back("application_name", settings.application_name);
  if (!settings.password.empty()) params.emplace_back("password", settings.password);
  return params;
}

core::Result<std::string> read_password_file(const std::string& path) {
  std::ifstream in(path);
  if (!in) {
    return core::Error::permanent(path + ": cannot read the database password: " +
                                  std::strerror(errno));
  }
  std::string line;
  std::getline(in, line);
  if (!line.empty() && line.back() == '\r') line.pop_back();
  if (line.empty()) return core::Error::invalid(path + ": the database password file is empty");
  return line;
}

}  // namespace stsrelay::db
