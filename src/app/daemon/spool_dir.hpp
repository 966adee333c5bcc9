// The directory where the bodies of large messages wait while they arrive (state_dir/incoming,
// smtp/incoming_message.hpp). Its files have no names (O_TMPFILE) or lose them at once, so
// nothing in it is ever the only copy of an accepted message: "250" comes after the queue's
// commit. Whatever a crash left there (a file of the unlink fallback) is removed at start.
#pragma once

#include <filesystem>

#include "src/core/result.hpp"

namespace stsrelay::app {

// Creates `dir` if needed and empties it; errors name the directory.
core::Status prepare_spool_dir(const std::filesystem::path& dir);

}  // namespace stsrelay::app
