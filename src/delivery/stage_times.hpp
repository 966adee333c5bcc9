// Where a delivery job's time goes, stage by stage, for the metrics endpoint
// (stsrelay_stage_duration_seconds): the relay's own view of its waits.
//   plan         the job's start to its hosts being known: the route, the MTA-STS policy
//                (cache, TXT, HTTPS fetch) and the DNS lookups of MX and addresses;
//   connect      one new session: TCP connect, greeting, EHLO, STARTTLS (and AUTH), up to the
//                TLS gate's verdict;
//   transaction  one message on a session: MAIL FROM to the reply after the data;
//   record       writing the job's results (and any DSN) to the queue: the group commit;
//   job          the whole job, from its claim to its results recorded.
#pragma once

#include <string>
#include <utility>
#include <vector>

#include "src/core/duration_histogram.hpp"

namespace stsrelay::delivery {

struct StageTimes {
  core::DurationHistogram plan;
  core::DurationHistogram connect;
  core::DurationHistogram transaction;
  core::DurationHistogram record;
  core::DurationHistogram job;

  std::vector<std::pair<std::string, core::DurationHistogram::Snapshot>> snapshot() const {
    return {{"plan", plan.snapshot()},
            {"connect", connect.snapshot()},
            {"transaction", transaction.snapshot()},
            {"record", record.snapshot()},
            {"job", job.snapshot()}};
  }
};

}  // namespace stsrelay::delivery
