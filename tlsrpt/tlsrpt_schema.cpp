#include "tlsrpt/tlsrpt_schema.hpp"

namespace stsrelay::tlsrpt {

core::Result<db::SqliteConnection> open_tlsrpt_db(const std::filesystem::path& path) {
  auto conn = db::SqliteConnection::open(path, db::SqliteOptions::durable());
  if (!conn) return conn.error();
  auto schema = conn->exec(kTlsrptSchema);
  if (!schema) return schema.error();
  return conn;
}

}  // namespace stsrelay::tlsrpt
