// A temporary directory for tlsrpt.db in tests, removed with everything in it.
#pragma once

#include "temp_dir.hpp"

namespace stsrelay::tlsrpt::testing {

class TempDir : public stsrelay::testing::TempDir {
 public:
  TempDir() : stsrelay::testing::TempDir("tlsrpt", "tlsrpt.db") {}
};

}  // namespace stsrelay::tlsrpt::testing
