// A temporary directory for the db tests' files, removed with everything in it.
#pragma once

#include "temp_dir.hpp"

namespace stsrelay::db::testing {

class TempDir : public stsrelay::testing::TempDir {
 public:
  TempDir() : stsrelay::testing::TempDir("db", "test.db") {}
};

}  // namespace stsrelay::db::testing
