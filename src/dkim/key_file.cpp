#include "src/dkim/key_file.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace stsrelay::dkim {
namespace {

core::Error io_error(const std::string& path, std::string_view what) {
  const int err = errno;
  const std::string message = path + ": " + std::string(what) + ": " + std::strerror(err);
  // A missing or unreadable file is a configuration mistake, not a passing condition.
  if (err == ENOENT) return core::Error::not_found(message);
  if (err == EACCES || err == EISDIR) return core::Error::invalid(message);
  return core::Error::temporary(message);
}

}  // namespace

core::Result<DkimKey> load_dkim_key(const std::string& path) {
  if (path.empty()) return core::Error::invalid("no DKIM key file configured");
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return io_error(path, "cannot open the DKIM key");
  struct stat st {};
  if (::fstat(fd, &st) != 0) {
    auto error = io_error(path, "cannot stat the DKIM key");
    ::close(fd);
    return error;
  }
  if (!S_ISREG(st.st_mode)) {
    ::close(fd);
    return core::Error::invalid(path + ": not a regular file");
  }
  if (static_cast<std::size_t>(st.st_size) > kMaxDkimKeyFileSize) {
    ::close(fd);
    return core::Error::invalid(path + ": " + std::to_string(st.st_size) +
                                " bytes is too large for a PEM private key");
  }
  std::string text(static_cast<std::size_t>(st.st_size), '\0');
  std::size_t got = 0;
  while (got < text.size()) {
    const ssize_t n = ::read(fd, text.data() + got, text.size() - got);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      auto error = io_error(path, "cannot read the DKIM key");
      ::close(fd);
      return error;
    }
    if (n == 0) break;  // the file shrank while being read
    got += static_cast<std::size_t>(n);
  }
  ::close(fd);
  text.resize(got);
  if (text.empty()) return core::Error::invalid(path + ": the DKIM key file is empty");
  return DkimKey::from_pem(text, path);
}

}  // namespace stsrelay::dkim
