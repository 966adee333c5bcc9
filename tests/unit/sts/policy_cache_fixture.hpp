// An sts.db in a temporary directory for the tests of the cache and of what reads it.
#pragma once

#include <gtest/gtest.h>

#include <memory>
#include <utility>

#include "sts/policy_cache.hpp"
#include "temp_dir.hpp"

namespace stsrelay::testing {

// A temporary directory holding sts.db, removed with it.
class CacheDir : public stsrelay::testing::TempDir {
 public:
  CacheDir() : TempDir("sts", "sts.db") {}

  // Opens (or reopens, as a daemon restart does) the cache in it; null after a failed
  // expectation.
  std::unique_ptr<sts::PolicyCache> open() const {
    auto cache = sts::PolicyCache::open(db().string());
    EXPECT_TRUE(cache.ok()) << cache.error().message;
    return cache.ok() ? std::move(*cache) : nullptr;
  }
};

}  // namespace stsrelay::testing
