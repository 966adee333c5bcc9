// Helpers for the queue tests: a temporary directory per test, sample envelopes, and a bounded
// wait for the writer thread's callbacks.
#pragma once

#include <gtest/gtest.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <filesystem>
#include <future>
#include <string>

#include "queue/store.hpp"
#include "src/core/envelope.hpp"
#include "src/db/sqlite_connection.hpp"
#include "src/db/sqlite_statement.hpp"
#include "temp_dir.hpp"

namespace stsrelay::queue::testing {

// How long a test waits for something the writer thread does; far above what it needs.
inline constexpr std::chrono::seconds kWaitBound{60};

using stsrelay::testing::TempDir;

inline core::Envelope sample_envelope(std::string sender = "alice@example.com") {
  core::Envelope e;
  e.sender = std::move(sender);
  e.recipients = {
      {"bob@example.net", 0, ""},
      {"carol@Example.ORG", core::kNotifyFailure | core::kNotifyDelay, "rfc822;carol@example.org"},
      {"dave@example.net", core::kNotifyNever, ""},
  };
  e.envid = "QQ+2B314";
  e.ret = core::DsnRet::hdrs;
  e.body = core::BodyType::eight_bit_mime;
  e.smtputf8 = true;
  e.client_address = "192.0.2.7";
  e.client_helo = "client.example.com";
  e.auth_user = "app1";
  e.tls = "TLSv1.3:TLS_AES_256_GCM_SHA384";
  return e;
}

inline std::string sample_content(std::size_t body_bytes = 64) {
  std::string content =
      "Received: from client.example.com\r\nSubject: test\r\nFrom: alice@example.com\r\n\r\n";
  for (std::size_t i = 0; i < body_bytes; ++i) content.push_back(static_cast<char>('a' + i % 26));
  content += "\r\n";
  return content;
}

// Enqueues and waits (bounded) for the writer's answer.
// With `id`, through enqueue_with_id (the SMTP server's way); without, through enqueue.
inline core::Result<std::string> enqueue_and_wait(Store& store, core::Envelope envelope,
                                                  std::string content, std::string id = {}) {
  auto promise = std::make_shared<std::promise<core::Result<std::string>>>();
  auto future = promise->get_future();
  auto done = [promise](core::Result<std::string> r) { promise->set_value(std::move(r)); };
  if (id.empty()) {
    store.enqueue(std::move(envelope), std::move(content), std::move(done));
  } else {
    store.enqueue_with_id(std::move(id), std::move(envelope), core::MessageContent(std::move(content)),
                          std::move(done));
  }
  if (future.wait_for(kWaitBound) != std::future_status::ready) {
    return core::Error::temporary("test: no answer from the writer thread");
  }
  return future.get();
}

// Records results and waits (bounded) for the writer's answer.
inline core::Result<std::vector<std::string>> record_and_wait(
    Store& store, std::vector<RecipientResult> results, std::vector<NewMessage> notices = {}) {
  auto promise = std::make_shared<std::promise<core::Result<std::vector<std::string>>>>();
  auto future = promise->get_future();
  store.record(
      std::move(results), std::move(notices),
      [promise](core::Result<std::vector<std::string>> r) { promise->set_value(std::move(r)); });
  if (future.wait_for(kWaitBound) != std::future_status::ready) {
    return core::Error::temporary("test: no answer from the writer thread");
  }
  return future.get();
}

// Runs SQL on queue.db through a separate connection, as a tool or the CLI would.
inline void exec_sql(const std::filesystem::path& db_path, const std::string& sql) {
  auto db = db::SqliteConnection::open(db_path, db::SqliteOptions::existing_file());
  ASSERT_TRUE(db) << db.error().message;
  auto done = db->exec(sql);
  ASSERT_TRUE(done) << done.error().message;
}

inline std::int64_t query_int(const std::filesystem::path& db_path, const std::string& sql) {
  auto db = db::SqliteConnection::open(db_path, db::SqliteOptions::existing_file());
  if (!db) throw std::runtime_error(db.error().message);
  auto value = db->query_int(sql);
  if (!value) throw std::runtime_error(value.error().message);
  return *value;
}

// Expects `result` (a core::Result) to be an error of kind not_found: no such message.
template <typename R>
void expect_not_found(const R& result) {
  ASSERT_FALSE(result);
  EXPECT_EQ(result.error().kind, core::ErrorKind::not_found);
}

}  // namespace stsrelay::queue::testing
