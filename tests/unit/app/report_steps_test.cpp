// What a report run does with (day, domain)'s report, from what the storage holds: a node alone
// as before; a fleet builds once and continues a stored report instead of building another.
#include "src/app/reports/report_steps.hpp"

#include <gtest/gtest.h>

#include <string>
#include <tuple>
#include <utility>
#include <vector>

#include "tests/support/table_test.hpp"

namespace stsrelay::app {
namespace {

using Case = std::tuple<bool, bool, StoredState>;  // fleet, again, stored

TEST(ReportSteps, WhetherARunGoesOnWithAReport) {
  const testing::Row<Case, bool> rows[] = {
      {"alone, day run, nothing stored: build", {false, false, StoredState::none}, true},
      {"alone, day run, built before: skip", {false, false, StoredState::built}, false},
      {"alone, day run, report without destinations: skip as before",
       {false, false, StoredState::unfinished}, false},
      {"alone, report send: always", {false, true, StoredState::built}, true},
      {"fleet, day run, nothing stored: ask the lease", {true, false, StoredState::none}, true},
      {"fleet, day run, built by any node: the send run continues it",
       {true, false, StoredState::built}, false},
      {"fleet, day run, half-built by a node that died: ask the lease",
       {true, false, StoredState::unfinished}, true},
      {"fleet, report send, built: ask the lease (sent, held, or ours to continue)",
       {true, true, StoredState::built}, true},
  };
  testing::expect_rows(rows, [](const Case& c) {
    return wants_report(std::get<0>(c), std::get<1>(c), std::get<2>(c));
  });
}

TEST(ReportSteps, WhatTheHolderDoes) {
  using In = std::tuple<bool, StoredState>;  // fleet, stored
  const testing::Row<In, BuildStep> rows[] = {
      {"alone, nothing stored", {false, StoredState::none}, BuildStep::build},
      {"alone, report send again: built anew, destinations start over",
       {false, StoredState::built}, BuildStep::build},
      {"fleet, nothing stored", {true, StoredState::none}, BuildStep::build},
      {"fleet, half-built: built again under the same id", {true, StoredState::unfinished},
       BuildStep::build},
      {"fleet, built (taken over or renewed): the stored report goes on",
       {true, StoredState::built}, BuildStep::continue_stored},
  };
  testing::expect_rows(rows, [](const In& in) {
    return build_step(std::get<0>(in), std::get<1>(in));
  });
}

TEST(ReportSteps, WhichDestinationsStartOver) {
  using tlsrpt::DeliveryState;
  auto delivery = [](const char* uri, DeliveryState state) {
    tlsrpt::ReportDelivery d;
    d.uri = uri;
    d.state = state;
    return d;
  };
  const std::vector<tlsrpt::ReportDelivery> mixed{
      delivery("https://a.example/", DeliveryState::sent),
      delivery("https://b.example/", DeliveryState::pending),
      delivery("mailto:c@c.example", DeliveryState::failed)};
  using In = std::pair<std::vector<tlsrpt::ReportDelivery>, bool>;  // deliveries, again
  const testing::Row<In, std::vector<std::string>> rows[] = {
      {"report send: all but the sent one", {mixed, true},
       {"https://b.example/", "mailto:c@c.example"}},
      {"the day's run or a take-over: every retry as it stands", {mixed, false}, {}},
      {"report send, all sent: nothing is sent again",
       {{delivery("https://a.example/", DeliveryState::sent)}, true}, {}},
  };
  testing::expect_rows(rows, [](const In& in) {
    return destinations_to_restart(in.first, in.second);
  });
}

TEST(ReportSteps, Names) {
  EXPECT_EQ(to_string(StoredState::unfinished), "unfinished");
  EXPECT_EQ(to_string(BuildStep::continue_stored), "continue_stored");
}

}  // namespace
}  // namespace stsrelay::app
