// The content of one stored message read in chunks through SQLite's incremental blob I/O, on a
// connection of its own: a delivery of a large message then holds one chunk at a time, not the
// message. The connection holds a read transaction while the source lives (the blob handle), so
// the owner keeps it only while it sends; a short-lived source is also why each one opens its
// own connection rather than sharing one (a shared connection's read transaction would last as
// long as any delivery and hide newer messages from it).
#pragma once

#include <filesystem>
#include <memory>
#include <string_view>

#include "queue/open_options.hpp"
#include "src/core/content_source.hpp"
#include "src/core/result.hpp"

namespace stsrelay::queue {

// not_found when no message has this id (deleted meanwhile).
core::Result<std::unique_ptr<core::ContentSource>> open_stored_content(
    const std::filesystem::path& path, const OpenOptions& options, std::string_view message_id);

}  // namespace stsrelay::queue
