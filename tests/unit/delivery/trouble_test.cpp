#include "src/delivery/trouble.hpp"

#include <gtest/gtest.h>

namespace stsrelay::delivery {
namespace {

struct Row {
  const char* name;
  Failure failure;
  bool last_host;
  Action action;
  const char* status;
};

TEST(Trouble, ClassifiesFailures) {
  const Row rows[] = {
      {"nxdomain bounces", {Stage::dns, 550, "5.1.2", "NXDOMAIN"}, true, Action::bounce, "5.1.2"},
      {"null mx bounces", {Stage::dns, 550, "5.1.10", "null MX"}, true, Action::bounce, "5.1.10"},
      {"servfail defers", {Stage::dns, 0, "", "SERVFAIL"}, true, Action::defer, "4.4.3"},
      {"refused, more hosts", {Stage::connect, 0, "", "refused"}, false, Action::next_host,
       "4.4.1"},
      {"refused, last host", {Stage::connect, 0, "", "refused"}, true, Action::defer, "4.4.1"},
      {"5xx greeting tries next", {Stage::greeting, 554, "", "go away"}, false,
       Action::next_host, "5.4.0"},
      {"5xx greeting on last host defers", {Stage::greeting, 554, "", "go away"}, true,
       Action::defer, "5.4.0"},
      {"enforce: no starttls, next", {Stage::tls, 0, "4.7.5", "no STARTTLS"}, false,
       Action::next_host, "4.7.5"},
      {"enforce: bad cert, last defers", {Stage::tls, 0, "4.7.5", "untrusted"}, true,
       Action::defer, "4.7.5"},
      {"enforce: unlisted mx", {Stage::policy, 0, "", "not listed"}, true, Action::defer,
       "4.7.5"},
      {"rcpt 550 bounces", {Stage::rcpt, 550, "5.1.1", "no such user"}, false, Action::bounce,
       "5.1.1"},
      {"rcpt 550 without code", {Stage::rcpt, 550, "", "no such user"}, false, Action::bounce,
       "5.1.1"},
      {"rcpt 450 defers", {Stage::rcpt, 450, "", "greylisted"}, false, Action::defer, "4.0.0"},
      {"mail 451 defers", {Stage::mail, 451, "4.3.0", "try later"}, false, Action::defer,
       "4.3.0"},
      {"data 554 bounces", {Stage::data, 554, "5.6.0", "content rejected"}, false,
       Action::bounce, "5.6.0"},
      {"connection lost in data", {Stage::data, 0, "", "closed"}, false, Action::next_host,
       "4.0.0"},
      {"too big for server", {Stage::local, 552, "5.3.4", "size"}, false, Action::bounce,
       "5.3.4"},
  };
  for (const auto& row : rows) {
    SCOPED_TRACE(row.name);
    EXPECT_EQ(classify(row.failure, row.last_host), row.action);
    EXPECT_EQ(status_code(row.failure), row.status);
  }
}

TEST(Trouble, LifetimeEndsAtTheLimit) {
  EXPECT_FALSE(lifetime_exceeded(1000, 432000, 1000 + 431999));
  EXPECT_TRUE(lifetime_exceeded(1000, 432000, 1000 + 432000));
}

}  // namespace
}  // namespace stsrelay::delivery
