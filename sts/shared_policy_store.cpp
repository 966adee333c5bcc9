#include "sts/shared_policy_store.hpp"

namespace stsrelay::sts {
namespace {

// The WHERE clause is is_newer_fetch(): later fetch, or the same second under a greater id.
constexpr std::string_view kStore =
    "INSERT INTO sts_policies (domain, id, policy, fetched_at, expires_at, node) "
    "VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (domain) DO UPDATE SET "
    "id = excluded.id, policy = excluded.policy, fetched_at = excluded.fetched_at, "
    "expires_at = excluded.expires_at, node = excluded.node, "
    "version = nextval('sts_policy_versions') "
    "WHERE excluded.fetched_at > sts_policies.fetched_at OR "
    "(excluded.fetched_at = sts_policies.fetched_at AND excluded.id > sts_policies.id)";

constexpr std::string_view kLoad =
    "SELECT domain, id, policy, fetched_at, expires_at, node, version FROM sts_policies "
    "WHERE version > $1 ORDER BY version";

// may_take_lease(): free (no row), ran out, or held by this node.
constexpr std::string_view kTakeLease =
    "INSERT INTO sts_refresh_leases (domain, node, expires_at) VALUES ($1, $2, $4) "
    "ON CONFLICT (domain) DO UPDATE SET node = excluded.node, expires_at = excluded.expires_at "
    "WHERE sts_refresh_leases.expires_at <= $3 OR sts_refresh_leases.node = excluded.node "
    "RETURNING domain";

std::string str(std::int64_t n) { return std::to_string(n); }

core::Result<core::SysTime> unix_column(const db::PgResult& r, int row, int column) {
  auto v = r.integer(row, column);
  if (!v) return v.error();
  return core::from_unix(*v);
}

}  // namespace

core::Result<bool> store_shared_policy(db::PgConnection& conn, const SharedPolicyRow& row) {
  auto r = conn.exec(kStore, {row.domain, row.id, row.text, str(core::to_unix(row.fetched_at)),
                              str(core::to_unix(row.expires_at)), row.node});
  if (!r) return r.error();
  return r->affected() == 1;
}

core::Result<std::vector<SharedPolicyRow>> load_shared_policies(db::PgConnection& conn,
                                                                std::int64_t after_version) {
  auto r = conn.exec(kLoad, {str(after_version)});
  if (!r) return r.error();
  std::vector<SharedPolicyRow> out;
  for (int i = 0; i < r->rows(); ++i) {
    SharedPolicyRow row;
    row.domain = r->text(i, 0);
    row.id = r->text(i, 1);
    row.text = r->text(i, 2);
    auto fetched = unix_column(*r, i, 3);
    if (!fetched) return core::Error::invalid("sts_policies: " + fetched.error().message);
    auto expires = unix_column(*r, i, 4);
    if (!expires) return core::Error::invalid("sts_policies: " + expires.error().message);
    row.fetched_at = *fetched;
    row.expires_at = *expires;
    row.node = r->text(i, 5);
    auto version = r->integer(i, 6);
    if (!version) return core::Error::invalid("sts_policies: " + version.error().message);
    row.version = *version;
    out.push_back(std::move(row));
  }
  return out;
}

core::Result<std::vector<std::string>> take_refresh_leases(db::PgConnection& conn,
                                                           const std::vector<std::string>& domains,
                                                           std::string_view node,
                                                           core::SysTime now,
                                                           std::chrono::seconds ttl) {
  std::vector<std::string> held;
  if (domains.empty()) return held;
  auto txn = db::PgTransaction::begin(conn);
  if (!txn) return txn.error();
  for (const std::string& domain : domains) {
    auto r = conn.exec(kTakeLease, {domain, std::string(node), str(core::to_unix(now)),
                                    str(core::to_unix(now + ttl))});
    if (!r) return r.error();
    if (r->rows() == 1) held.push_back(domain);
  }
  if (auto st = txn->commit(); !st) return st.error();
  return held;
}

core::Result<std::vector<LeaseRow>> load_refresh_leases(db::PgConnection& conn) {
  auto r = conn.exec("SELECT domain, node, expires_at FROM sts_refresh_leases ORDER BY domain");
  if (!r) return r.error();
  std::vector<LeaseRow> out;
  for (int i = 0; i < r->rows(); ++i) {
    auto expires = unix_column(*r, i, 2);
    if (!expires) return core::Error::invalid("sts_refresh_leases: " + expires.error().message);
    out.push_back(LeaseRow{r->text(i, 0), RefreshLease{r->text(i, 1), *expires}});
  }
  return out;
}

}  // namespace stsrelay::sts
