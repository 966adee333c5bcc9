// Runs a Server on 127.0.0.1 with an ephemeral port, on an io_context driven by two threads
// (as the daemon does), with a FakeSink and a FakeClock.
#pragma once

#include <gtest/gtest.h>

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>

#include <atomic>
#include <filesystem>
#include <memory>
#include <thread>
#include <vector>

#include "fake_clock.hpp"
#include "fake_sink.hpp"
#include "smtp/server.hpp"
#include "test_client.hpp"

namespace stsrelay::smtp::testing {

class ServerFixture : public ::testing::Test {
 protected:
  void SetUp() override {
    for (int i = 0; i < 2; ++i) threads_.emplace_back([this] { io_.run(); });
  }

  void TearDown() override {
    if (server_) {
      std::atomic<bool> done{false};
      server_->async_stop(std::chrono::milliseconds(2000), [&done] { done = true; });
      EXPECT_TRUE(wait_until([&] { return done.load(); }));
      server_.reset();
    }
    work_.reset();
    io_.stop();
    for (auto& t : threads_) t.join();
    if (!dir_.empty()) std::filesystem::remove_all(dir_);
  }

  static ServerSettings base_settings() {
    ServerSettings s;
    s.listen = {"127.0.0.1:0"};
    s.hostname = "relay.example.org";
    s.max_message_size = 10000;
    s.command_timeout = std::chrono::seconds(10);
    s.data_timeout = std::chrono::seconds(10);
    return s;
  }

  void start(const ServerSettings& s) {
    server_ = std::make_unique<Server>(io_, s, sink_, clock_);
    auto status = server_->start();
    ASSERT_TRUE(status.ok()) << status.error().message;
    ASSERT_FALSE(server_->local_endpoints().empty());
    endpoint_ = server_->local_endpoints().front();
  }

  // A per-test scratch directory (certificates, users file).
  const std::filesystem::path& dir() {
    if (dir_.empty()) {
      dir_ = std::filesystem::temp_directory_path() /
             ("stsrelay-smtp-" + std::to_string(::getpid()) + "-" +
              ::testing::UnitTest::GetInstance()->current_test_info()->name());
      std::filesystem::remove_all(dir_);
      std::filesystem::create_directories(dir_);
    }
    return dir_;
  }

  std::unique_ptr<TestClient> connect() {
    auto c = std::make_unique<TestClient>(endpoint_);
    return c;
  }

  boost::asio::io_context io_;
  boost::asio::executor_work_guard<boost::asio::io_context::executor_type> work_{
      io_.get_executor()};
  std::vector<std::thread> threads_;
  FakeSink sink_;
  stsrelay::testing::FakeClock clock_;
  std::unique_ptr<Server> server_;
  std::string endpoint_;
  std::filesystem::path dir_;
};

}  // namespace stsrelay::smtp::testing
