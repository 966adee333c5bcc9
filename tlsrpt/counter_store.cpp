#include "tlsrpt/counter_store.hpp"

#include "src/db/sqlite_run.hpp"
#include "src/db/sqlite_statement.hpp"
#include "src/db/sqlite_transaction.hpp"
#include "tlsrpt/counter_codec.hpp"
#include "tlsrpt/tlsrpt_schema.hpp"

namespace stsrelay::tlsrpt {
namespace {

constexpr std::string_view kUpsertPolicy =
    "INSERT INTO policy_counts (day, domain, policy_type, policy_string, mx_host, successful, "
    "failed) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7) "
    "ON CONFLICT (day, domain, policy_type, policy_string, mx_host) DO UPDATE SET "
    "successful = successful + excluded.successful, failed = failed + excluded.failed "
    "RETURNING id";

constexpr std::string_view kUpsertFailure =
    "INSERT INTO failure_counts (policy_id, result_type, sending_mta_ip, receiving_mx_hostname, "
    "receiving_mx_helo, receiving_ip, failure_reason_code, additional_information, "
    "failed_session_count) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9) "
    "ON CONFLICT (policy_id, result_type, sending_mta_ip, receiving_mx_hostname, "
    "receiving_mx_helo, receiving_ip, failure_reason_code, additional_information) DO UPDATE SET "
    "failed_session_count = failed_session_count + excluded.failed_session_count";

}  // namespace

core::Result<std::unique_ptr<CounterStore>> CounterStore::open(const std::filesystem::path& path) {
  auto conn = open_tlsrpt_db(path);
  if (!conn) return conn.error();
  return std::unique_ptr<CounterStore>(new CounterStore(std::move(*conn)));
}

core::Status CounterStore::add(const Counters& counters, std::uint64_t /*sessions*/) {
  std::lock_guard lock(mutex_);
  return add_locked(counters);
}

core::Status CounterStore::add_locked(const Counters& counters) {
  if (counters.empty()) return core::Ok{};
  auto policy = db::SqliteStatement::prepare(conn_, kUpsertPolicy);
  if (!policy) return policy.error();
  auto failure = db::SqliteStatement::prepare(conn_, kUpsertFailure);
  if (!failure) return failure.error();
  auto txn = db::SqliteTransaction::begin(conn_);
  if (!txn) return txn.error();
  for (const auto& [key, counts] : counters) {
    policy->reset();
    policy->bind(1, format_day(key.day))
        .bind(2, key.policy_domain)
        .bind(3, to_string(key.policy.type))
        .bind(4, encode_lines(key.policy.policy_string))
        .bind(5, encode_lines(key.policy.mx_host))
        .bind(6, counts.successful)
        .bind(7, counts.failed);
    auto row = policy->step();
    if (!row) return row.error();
    if (!*row) {
      return core::Error::temporary(conn_.path().string() + ": policy upsert returned no id");
    }
    const std::int64_t policy_id = policy->column_int(0);
    if (auto done = policy->run(); !done) return done.error();
    for (const auto& [f, n] : counts.failures) {
      failure->reset();
      failure->bind(1, policy_id)
          .bind(2, sts::to_string(f.result_type))
          .bind(3, f.sending_mta_ip)
          .bind(4, f.receiving_mx_hostname)
          .bind(5, f.receiving_mx_helo)
          .bind(6, f.receiving_ip)
          .bind(7, f.failure_reason_code)
          .bind(8, f.additional_information)
          .bind(9, n);
      if (auto done = failure->run(); !done) return done.error();
    }
  }
  return txn->commit();
}

core::Result<std::vector<Day>> CounterStore::days() {
  std::lock_guard lock(mutex_);
  std::vector<Day> out;
  const auto done = db::for_each_row(
      conn_, "SELECT DISTINCT day FROM policy_counts ORDER BY day",
      [&](const db::SqliteStatement& q) -> core::Status {
        auto day = parse_day(q.column_text(0));
        if (!day) return core::Error::invalid(conn_.path().string() + ": " + day.error().message);
        out.push_back(*day);
        return core::Ok{};
      });
  if (!done) return done.error();
  return out;
}

core::Result<std::vector<std::string>> CounterStore::domains(Day day) {
  std::lock_guard lock(mutex_);
  std::vector<std::string> out;
  const auto done = db::for_each_row(
      conn_, "SELECT DISTINCT domain FROM policy_counts WHERE day = ?1 ORDER BY domain",
      [&out](const db::SqliteStatement& q) -> core::Status {
        out.push_back(q.column_text(0));
        return core::Ok{};
      },
      format_day(day));
  if (!done) return done.error();
  return out;
}

core::Result<DomainDay> CounterStore::load(Day day, std::string_view policy_domain) {
  std::lock_guard lock(mutex_);
  auto q = db::SqliteStatement::prepare(
      conn_,
      "SELECT id, policy_type, policy_string, mx_host, successful, failed "
      "FROM policy_counts WHERE day = ?1 AND domain = ?2");
  if (!q) return q.error();
  auto f = db::SqliteStatement::prepare(
      conn_,
      "SELECT result_type, sending_mta_ip, receiving_mx_hostname, receiving_mx_helo, "
      "receiving_ip, failure_reason_code, additional_information, failed_session_count "
      "FROM failure_counts WHERE policy_id = ?1");
  if (!f) return f.error();
  q->bind(1, format_day(day)).bind(2, policy_domain);
  const auto bad_row = [&](const std::string& why) {
    return core::Error::invalid(conn_.path().string() + ": counts of " +
                                std::string(policy_domain) + " on " + format_day(day) + ": " + why);
  };
  // Read into the pure types and let them order policies and failures, as domain_day() does.
  Counters counters;
  for (;;) {
    auto row = q->step();
    if (!row) return row.error();
    if (!*row) break;
    auto type = parse_policy_type(q->column_text(1));
    if (!type) return bad_row("unknown policy type " + q->column_text(1));
    auto lines = decode_lines(q->column_text(2));
    if (!lines) return bad_row(lines.error().message);
    auto mx = decode_lines(q->column_text(3));
    if (!mx) return bad_row(mx.error().message);
    PolicyCounts& counts =
        counters[CounterKey{day, std::string(policy_domain),
                            AppliedPolicy{*type, std::move(*lines), std::move(*mx)}}];
    counts.successful += q->column_int(4);
    counts.failed += q->column_int(5);
    f->reset();
    f->bind(1, q->column_int(0));
    for (;;) {
      auto frow = f->step();
      if (!frow) return frow.error();
      if (!*frow) break;
      auto result_type = sts::parse_result_type(f->column_text(0));
      if (!result_type) return bad_row("unknown result type " + f->column_text(0));
      counts.failures[FailureKey{*result_type, f->column_text(1), f->column_text(2),
                                 f->column_text(3), f->column_text(4), f->column_text(5),
                                 f->column_text(6)}] += f->column_int(7);
    }
  }
  return domain_day(counters, day, policy_domain);
}

core::Result<std::int64_t> CounterStore::prune_before(Day first_kept) {
  std::lock_guard lock(mutex_);
  return db::run_in_one_transaction(conn_,
                                    {"DELETE FROM failure_counts WHERE policy_id IN "
                                     "(SELECT id FROM policy_counts WHERE day < ?1)",
                                     "DELETE FROM policy_counts WHERE day < ?1"},
                                    format_day(first_kept));
}

}  // namespace stsrelay::tlsrpt
