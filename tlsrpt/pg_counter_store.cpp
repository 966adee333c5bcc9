#include "tlsrpt/pg_counter_store.hpp"

#include "src/db/pg_ask.hpp"
#include "tlsrpt/counter_codec.hpp"

namespace stsrelay::tlsrpt {
namespace {

constexpr std::string_view kAddBatch =
    "INSERT INTO tlsrpt_batches (id, node, sessions) VALUES ($1, $2, $3) "
    "ON CONFLICT (id) DO NOTHING";

constexpr std::string_view kUpsertPolicy =
    "INSERT INTO tlsrpt_policy_counts (day, domain, policy_type, policy_string, mx_host, "
    "successful, failed) VALUES ($1, $2, $3, $4, $5, $6, $7) "
    "ON CONFLICT (day, domain, policy_type, policy_string, mx_host) DO UPDATE SET "
    "successful = tlsrpt_policy_counts.successful + excluded.successful, "
    "failed = tlsrpt_policy_counts.failed + excluded.failed "
    "RETURNING id";

constexpr std::string_view kUpsertFailure =
    "INSERT INTO tlsrpt_failure_counts (policy_id, result_type, sending_mta_ip, "
    "receiving_mx_hostname, receiving_mx_helo, receiving_ip, failure_reason_code, "
    "additional_information, failed_session_count) "
    "VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) "
    "ON CONFLICT (policy_id, result_type, sending_mta_ip, receiving_mx_hostname, "
    "receiving_mx_helo, receiving_ip, failure_reason_code, additional_information) DO UPDATE SET "
    "failed_session_count = tlsrpt_failure_counts.failed_session_count + "
    "excluded.failed_session_count";

std::string str(std::int64_t n) { return std::to_string(n); }

}  // namespace

core::Result<BatchOutcome> add_batch(db::PgConnection& conn, const SpooledBatch& batch,
                                     std::string_view node) {
  auto txn = db::PgTransaction::begin(conn);
  if (!txn) return txn.error();
  auto marked = conn.exec(kAddBatch, {batch.id, std::string(node),
                                      str(static_cast<std::int64_t>(batch.sessions))});
  if (!marked) return marked.error();
  // Added before (a retry after a lost reply): the transaction rolls back, nothing is counted.
  if (marked->affected() == 0) return BatchOutcome::duplicate;
  for (const auto& [key, counts] : batch.counters) {
    auto policy = conn.exec(kUpsertPolicy, {format_day(key.day), key.policy_domain,
                                            std::string(to_string(key.policy.type)),
                                            encode_lines(key.policy.policy_string),
                                            encode_lines(key.policy.mx_host),
                                            str(counts.successful), str(counts.failed)});
    if (!policy) return policy.error();
    if (policy->rows() != 1) {
      return core::Error::temporary("postgresql: policy upsert returned no id");
    }
    const std::string policy_id = policy->text(0, 0);
    for (const auto& [f, n] : counts.failures) {
      auto done = conn.run(kUpsertFailure,
                           {policy_id, std::string(sts::to_string(f.result_type)),
                            f.sending_mta_ip, f.receiving_mx_hostname, f.receiving_mx_helo,
                            f.receiving_ip, f.failure_reason_code, f.additional_information,
                            str(n)});
      if (!done) return done.error();
    }
  }
  if (auto st = txn->commit(); !st) return st.error();
  return BatchOutcome::added;
}

core::Result<std::vector<Day>> load_days(db::PgConnection& conn) {
  auto rows = conn.exec("SELECT DISTINCT day FROM tlsrpt_policy_counts ORDER BY day");
  if (!rows) return rows.error();
  std::vector<Day> out;
  for (int i = 0; i < rows->rows(); ++i) {
    auto day = parse_day(rows->text(i, 0));
    if (!day) return core::Error::invalid("tlsrpt_policy_counts: " + day.error().message);
    out.push_back(*day);
  }
  return out;
}

core::Result<std::vector<std::string>> load_domains(db::PgConnection& conn, Day day) {
  auto rows = conn.exec(
      "SELECT DISTINCT domain FROM tlsrpt_policy_counts WHERE day = $1 ORDER BY domain",
      {format_day(day)});
  if (!rows) return rows.error();
  std::vector<std::string> out;
  for (int i = 0; i < rows->rows(); ++i) out.push_back(rows->text(i, 0));
  return out;
}

core::Result<DomainDay> load_domain_day(db::PgConnection& conn, Day day,
                                        std::string_view policy_domain) {
  // One statement, so the policies and their failures come from one snapshot.
  auto rows = conn.exec(
      "SELECT p.id, p.policy_type, p.policy_string, p.mx_host, p.successful, p.failed, "
      "f.result_type, f.sending_mta_ip, f.receiving_mx_hostname, f.receiving_mx_helo, "
      "f.receiving_ip, f.failure_reason_code, f.additional_information, "
      "f.failed_session_count "
      "FROM tlsrpt_policy_counts p LEFT JOIN tlsrpt_failure_counts f ON f.policy_id = p.id "
      "WHERE p.day = $1 AND p.domain = $2 ORDER BY p.id",
      {format_day(day), std::string(policy_domain)});
  if (!rows) return rows.error();
  const auto bad_row = [&](const std::string& why) {
    return core::Error::invalid("tlsrpt_policy_counts: counts of " + std::string(policy_domain) +
                                " on " + format_day(day) + ": " + why);
  };
  Counters counters;
  std::string last_policy;
  for (int i = 0; i < rows->rows(); ++i) {
    auto type = parse_policy_type(rows->text(i, 1));
    if (!type) return bad_row("unknown policy type " + rows->text(i, 1));
    auto lines = decode_lines(rows->text(i, 2));
    if (!lines) return bad_row(lines.error().message);
    auto mx = decode_lines(rows->text(i, 3));
    if (!mx) return bad_row(mx.error().message);
    PolicyCounts& counts =
        counters[CounterKey{day, std::string(policy_domain),
                            AppliedPolicy{*type, std::move(*lines), std::move(*mx)}}];
    // The join repeats a policy's row once per failure: count its sessions once.
    if (rows->text(i, 0) != last_policy) {
      last_policy = rows->text(i, 0);
      auto ok = rows->integer(i, 4);
      auto failed = rows->integer(i, 5);
      if (!ok || !failed) return bad_row("bad session counts");
      counts.successful += *ok;
      counts.failed += *failed;
    }
    if (rows->is_null(i, 6)) continue;
    auto result_type = sts::parse_result_type(rows->text(i, 6));
    if (!result_type) return bad_row("unknown result type " + rows->text(i, 6));
    auto n = rows->integer(i, 13);
    if (!n) return bad_row(n.error().message);
    counts.failures[FailureKey{*result_type, rows->text(i, 7), rows->text(i, 8),
                               rows->text(i, 9), rows->text(i, 10), rows->text(i, 11),
                               rows->text(i, 12)}] += *n;
  }
  return domain_day(counters, day, policy_domain);
}

core::Result<std::int64_t> prune_days_before(db::PgConnection& conn, Day first_kept) {
  auto txn = db::PgTransaction::begin(conn);
  if (!txn) return txn.error();
  // The failures go with their policy (ON DELETE CASCADE). Batch ids are kept as long as the
  // counts they added: a spool older than the retention has nothing left to protect.
  auto gone = conn.exec("DELETE FROM tlsrpt_policy_counts WHERE day < $1", {format_day(first_kept)});
  if (!gone) return gone.error();
  if (auto st = conn.run("DELETE FROM tlsrpt_batches WHERE added_at < $1::date",
                         {format_day(first_kept)});
      !st) {
    return st.error();
  }
  if (auto st = txn->commit(); !st) return st.error();
  return gone->affected();
}

template <class T>
core::Result<T> PgCounterReader::ask(std::function<core::Result<T>(db::PgConnection&)> fn) {
  return db::ask_within<T>(worker_, wait_, std::move(fn));
}

core::Result<std::vector<Day>> PgCounterReader::days() {
  return ask<std::vector<Day>>([](db::PgConnection& c) { return load_days(c); });
}
core::Result<std::vector<std::string>> PgCounterReader::domains(Day day) {
  return ask<std::vector<std::string>>([day](db::PgConnection& c) { return load_domains(c, day); });
}
core::Result<DomainDay> PgCounterReader::load(Day day, std::string_view policy_domain) {
  return ask<DomainDay>([day, d = std::string(policy_domain)](db::PgConnection& c) {
    return load_domain_day(c, day, d);
  });
}

core::Result<std::int64_t> PgCounterReader::prune_before(Day first_kept) {
  return ask<std::int64_t>(
      [first_kept](db::PgConnection& c) { return prune_days_before(c, first_kept); });
}

}  // namespace stsrelay::tlsrpt
