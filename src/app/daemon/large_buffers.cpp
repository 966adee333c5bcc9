#include "src/app/daemon/large_buffers.hpp"

#include <malloc.h>

#include <spdlog/spdlog.h>

namespace stsrelay::app {

void return_large_buffers_to_the_system() {
  constexpr int kThreshold = 1 << 20;
  // Setting M_MMAP_THRESHOLD also turns off glibc's dynamic adjustment of it (mallopt(3)).
  if (mallopt(M_MMAP_THRESHOLD, kThreshold) != 1) {
    spdlog::warn("memory: mallopt(M_MMAP_THRESHOLD) refused; memory of large messages may stay "
                 "with the process after a burst");
  }
}

}  // namespace stsrelay::app
