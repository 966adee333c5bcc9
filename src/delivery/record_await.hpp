// Awaiting Store::record() from a coroutine: the `done` callback runs on the queue's writer
// thread; the coroutine resumes on its own executor (the agent's strand), through
// net::await_call (await_callback.hpp).
#pragma once

#include <string>
#include <utility>
#include <vector>

#include "queue/store.hpp"
#include "src/net/await_callback.hpp"

namespace stsrelay::delivery {

using RecordAnswer = core::Result<std::vector<std::string>>;

inline boost::asio::awaitable<RecordAnswer> await_record(
    queue::Store& store, std::vector<queue::RecipientResult> results,
    std::vector<queue::NewMessage> notices) {
  return net::await_call(store, &queue::Store::record, std::move(results), std::move(notices));
}

}  // namespace stsrelay::delivery
