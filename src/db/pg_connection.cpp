#include "src/db/pg_connection.hpp"

#include <libpq-fe.h>

#include <charconv>

#include "src/db/pg_error.hpp"

namespace stsrelay::db {

void PgResult::Clear::operator()(pg_result* r) const { PQclear(r); }
void PgConnection::Finish::operator()(pg_conn* c) const { PQfinish(c); }

PgResult::PgResult(pg_result* r) : r_(r) {}
int PgResult::rows() const { return r_ ? PQntuples(r_.get()) : 0; }
int PgResult::columns() const { return r_ ? PQnfields(r_.get()) : 0; }
bool PgResult::is_null(int row, int column) const {
  return PQgetisnull(r_.get(), row, column) != 0;
}
std::string PgResult::text(int row, int column) const {
  return std::string(PQgetvalue(r_.get(), row, column),
                     static_cast<std::size_t>(PQgetlength(r_.get(), row, column)));
}
core::Result<std::int64_t> PgResult::integer(int row, int column) const {
  const std::string t = text(row, column);
  std::int64_t v = 0;
  auto [end, ec] = std::from_chars(t.data(), t.data() + t.size(), v);
  if (ec != std::errc{} || end != t.data() + t.size()) {
    return core::Error::invalid("expected an integer in column " + std::to_string(column) +
                                ", got \"" + t + "\"");
  }
  return v;
}
std::int64_t PgResult::affected() const {
  if (!r_) return 0;
  const char* n = PQcmdTuples(r_.get());
  std::int64_t v = 0;
  std::from_chars(n, n + std::char_traits<char>::length(n), v);
  return v;
}

core::Result<PgConnection> PgConnection::connect(const PgSettings& settings) {
  const auto params = connect_params(settings);
  std::vector<const char*> keys;
  std::vector<const char*> values;
  for (const auto& [k, v] : params) {
    keys.push_back(k.c_str());
    values.push_back(v.c_str());
  }
  keys.push_back(nullptr);
  values.push_back(nullptr);
  std::string target = redact_conninfo(settings.conninfo);
  PgConnection conn(PQconnectdbParams(keys.data(), values.data(), 1), target);
  if (!conn.conn_) return core::Error::temporary("postgresql " + target + ": out of memory");
  if (PQstatus(conn.conn_.get()) != CONNECTION_OK) {
    // libpq's message names host and port, never the password.
    return pg_error("", "postgresql " + target + ": connect", PQerrorMessage(conn.conn_.get()));
  }
  return conn;
}

PgConnection::~PgConnection() = default;

core::Result<PgResult> PgConnection::exec(std::string_view sql, const PgParams& params) {
  const std::string text(sql);
  std::vector<const char*> values;
  values.reserve(params.size());
  for (const PgParam& p : params) values.push_back(p ? p->c_str() : nullptr);
  pg_result* raw = PQexecParams(conn_.get(), text.c_str(), static_cast<int>(values.size()),
                                nullptr, values.data(), nullptr, nullptr, 0);
  PgResult result(raw);  // owns raw from here on, whatever happens below
  if (auto st = check_(result, sql); !st) return st.error();
  return result;
}

core::Status PgConnection::check_(const PgResult& result, std::string_view sql) {
  pg_result* raw = result.raw_();
  const ExecStatusType status = raw != nullptr ? PQresultStatus(raw) : PGRES_FATAL_ERROR;
  if (status == PGRES_COMMAND_OK || status == PGRES_TUPLES_OK) return core::Ok{};
  const char* state = raw != nullptr ? PQresultErrorField(raw, PG_DIAG_SQLSTATE) : nullptr;
  const char* message = raw != nullptr ? PQresultErrorMessage(raw) : nullptr;
  if (message == nullptr || *message == '\0') message = PQerrorMessage(conn_.get());
  return pg_error(state != nullptr ? state : "",
                  "postgresql " + target_ + ": " + pg_statement_context(sql), message);
}

core::Status PgConnection::run(std::string_view sql, const PgParams& params) {
  auto r = exec(sql, params);
  if (!r) return r.error();
  return core::Ok{};
}

core::Status PgConnection::run_script(std::string_view sql) {
  const std::string text(sql);
  PgResult result(PQexec(conn_.get(), text.c_str()));
  // PQexec returns the last statement's result; an error stops the script there.
  return check_(result, sql);
}

bool PgConnection::broken() const {
  return !conn_ || PQstatus(conn_.get()) != CONNECTION_OK;
}

core::Result<PgTransaction> PgTransaction::begin(PgConnection& conn) {
  if (auto st = conn.run("BEGIN"); !st) return st.error();
  return PgTransaction(conn);
}

PgTransaction::~PgTransaction() {
  // A failed ROLLBACK leaves the connection broken or outside a transaction; either way
  // the owner notices on its next statement, so there is nothing more to do here.
  if (conn_ != nullptr && !conn_->broken()) (void)conn_->run("ROLLBACK");
}

core::Status PgTransaction::commit() {
  PgConnection* conn = conn_;
  conn_ = nullptr;
  return conn->run("COMMIT");
}

}  // namespace stsrelay::db
