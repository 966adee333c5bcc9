// A message's bytes on disk while it is on its way from the SMTP session to the queue: a file
// with no name (O_TMPFILE in the spool directory, or created and unlinked at once where the
// file system lacks O_TMPFILE), so that a crash or a refused message leaves nothing behind and
// closing the descriptor frees the space. Appended to once, then read at offsets.
//
// Blocking calls on local files, like SQLite's: the callers run them on the thread that would
// otherwise have copied the same bytes in memory.
#pragma once

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <string_view>

#include "src/core/result.hpp"

namespace stsrelay::core {

class SpoolFile {
 public:
  // A new empty file in `dir` (which must exist); errors name the directory. A full disk is
  // ErrorKind::no_space.
  static Result<SpoolFile> create(const std::filesystem::path& dir);

  SpoolFile() = default;
  SpoolFile(SpoolFile&& other) noexcept;
  SpoolFile& operator=(SpoolFile&& other) noexcept;
  SpoolFile(const SpoolFile&) = delete;
  SpoolFile& operator=(const SpoolFile&) = delete;
  ~SpoolFile();

  bool is_open() const { return fd_ >= 0; }
  std::uint64_t size() const { return size_; }

  // Appends all of `bytes` (short writes are continued).
  Status append(std::string_view bytes);
  // Up to `n` bytes from `offset` into `buf`; fewer only at the end of the file.
  Result<std::size_t> read_at(std::uint64_t offset, char* buf, std::size_t n) const;

 private:
  explicit SpoolFile(int fd) : fd_(fd) {}
  void close();

  int fd_ = -1;
  std::uint64_t size_ = 0;
};

}  // namespace stsrelay::core
