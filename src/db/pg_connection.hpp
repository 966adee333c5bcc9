// One libpq connection to the shared database, used by one thread at a time (PgWorker's): text
// parameters through PQexecParams (never spliced into SQL), results as PgResult, errors as
// core::Error with SQLSTATE and context (pg_error.hpp). Blocking, which is why only worker
// threads hold one, never the Asio threads; every statement is bounded by the
// statement_timeout the connection was opened with (pg_conninfo.hpp).
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "src/core/result.hpp"
#include "src/db/pg_conninfo.hpp"

struct pg_conn;
struct pg_result;

namespace stsrelay::db {

using PgParam = std::optional<std::string>;  // nullopt: SQL NULL
using PgParams = std::vector<PgParam>;

// The rows of one statement; text format, as libpq returns by default.
class PgResult {
 public:
  PgResult() = default;
  explicit PgResult(pg_result* r);
  int rows() const;
  int columns() const;
  bool is_null(int row, int column) const;
  std::string text(int row, int column) const;
  core::Result<std::int64_t> integer(int row, int column) const;
  // Rows a command touched (INSERT/UPDATE/DELETE); 0 when it reports none.
  std::int64_t affected() const;

 private:
  friend class PgConnection;
  pg_result* raw_() const { return r_.get(); }
  struct Clear {
    void operator()(pg_result* r) const;
  };
  std::unique_ptr<pg_result, Clear> r_;
};

class PgConnection {
 public:
  // Connects (bounded by settings.connect_timeout); errors name the redacted target.
  static core::Result<PgConnection> connect(const PgSettings& settings);

  PgConnection(PgConnection&&) noexcept = default;
  PgConnection& operator=(PgConnection&&) noexcept = default;
  ~PgConnection();

  core::Result<PgResult> exec(std::string_view sql, const PgParams& params = {});
  core::Status run(std::string_view sql, const PgParams& params = {});
  // Several statements without parameters in one call (PQexec): schema migrations.
  core::Status run_script(std::string_view sql);

  // False once libpq saw the link break: the owner drops this connection and reconnects.
  bool broken() const;
  const std::string& target() const { return target_; }  // redacted, for logs

 private:
  struct Finish {
    void operator()(pg_conn* c) const;
  };
  core::Status check_(const PgResult& result, std::string_view sql);
  PgConnection(pg_conn* c, std::string target) : conn_(c), target_(std::move(target)) {}
  std::unique_ptr<pg_conn, Finish> conn_;
  std::string target_;
};

// BEGIN on construction, ROLLBACK in the destructor unless commit() succeeded.
class PgTransaction {
 public:
  static core::Result<PgTransaction> begin(PgConnection& conn);
  PgTransaction(PgTransaction&& o) noexcept : conn_(o.conn_) { o.conn_ = nullptr; }
  PgTransaction& operator=(PgTransaction&&) = delete;
  ~PgTransaction();
  core::Status commit();

 private:
  explicit PgTransaction(PgConnection& conn) : conn_(&conn) {}
  PgConnection* conn_;
};

}  // namespace stsrelay::db
