#include "src/app/daemon/spool_dir.hpp"

#include <spdlog/spdlog.h>

#include <system_error>

namespace stsrelay::app {

core::Status prepare_spool_dir(const std::filesystem::path& dir) {
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  if (ec) return core::Error::permanent("spool directory " + dir.string() + ": " + ec.message());
  std::size_t removed = 0;
  for (const auto& entry : std::filesystem::directory_iterator(dir, ec)) {
    std::error_code gone;
    if (std::filesystem::remove_all(entry.path(), gone) > 0) ++removed;
    if (gone) {
      return core::Error::permanent("spool directory " + dir.string() + ": removing " +
                                    entry.path().filename().string() + ": " + gone.message());
    }
  }
  if (ec) return core::Error::permanent("spool directory " + dir.string() + ": " + ec.message());
  if (removed > 0) spdlog::info("queue: removed {} leftover spool file(s) from {}", removed,
                                dir.string());
  return core::Ok{};
}

}  // namespace stsrelay::app
