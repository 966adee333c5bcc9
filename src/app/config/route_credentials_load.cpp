#include "src/app/config/route_credentials_load.hpp"

#include <sys/stat.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <iterator>
#include <sstream>
#include <string>

namespace stsrelay::app {
namespace {

// Passwords are short; a larger file is not an auth_file.
constexpr std::size_t kMaxAuthFile = 4096;

core::Result<std::string> read_private_file(const std::string& path) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) {
    return core::Error::invalid(path + ": " + std::strerror(errno));
  }
  if (!S_ISREG(st.st_mode)) return core::Error::invalid(path + ": not a regular file");
  if ((st.st_mode & S_IRWXO) != 0) {
    char mode[8];
    std::snprintf(mode, sizeof mode, "%04o", static_cast<unsigned>(st.st_mode & 07777));
    return core::Error::invalid(path + ": other users may read it (mode " + mode +
                                "); make it readable by the stsrelay user only (chmod 600)");
  }
  if (static_cast<std::size_t>(st.st_size) > kMaxAuthFile) {
    return core::Error::invalid(path + ": larger than " + std::to_string(kMaxAuthFile) +
                                " bytes; expected one line \"user:password\"");
  }
  std::ifstream in(path, std::ios::binary);
  if (!in) return core::Error::invalid(path + ": cannot be opened: " + std::strerror(errno));
  std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  return text;
}

}  // namespace

core::Result<delivery::RouteCredentials> parse_route_credentials(std::string_view text) {
  const std::size_t end = text.find('\n');
  std::string_view line = text.substr(0, end);
  if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
  if (end != std::string_view::npos &&
      text.substr(end + 1).find_first_not_of("\r\n") != std::string_view::npos) {
    return core::Error::invalid("expected one line \"user:password\", found more");
  }
  const std::size_t colon = line.find(':');
  if (colon == std::string_view::npos) {
    return core::Error::invalid("expected \"user:password\", found no ':'");
  }
  delivery::RouteCredentials c{std::string(line.substr(0, colon)),
                               std::string(line.substr(colon + 1))};
  if (c.user.empty()) return core::Error::invalid("the user name before ':' is empty");
  if (c.password.empty()) return core::Error::invalid("the password after ':' is empty");
  for (const char ch : line) {
    // RFC 4616 §2: NUL separates the fields of AUTH PLAIN, so neither may contain it.
    if (ch == '\0') return core::Error::invalid("the user name or password contains NUL");
  }
  return c;
}

core::Result<delivery::RouteTable> load_routes(std::vector<delivery::Route> routes) {
  for (std::size_t i = 0; i < routes.size(); ++i) {
    delivery::Route& r = routes[i];
    r.credentials.reset();
    if (r.auth_file.empty()) continue;
    const std::string key = "route[" + std::to_string(i) + "].auth_file: ";
    auto text = read_private_file(r.auth_file);
    if (!text) return core::Error::invalid(key + text.error().message);
    auto credentials = parse_route_credentials(*text);
    if (!credentials) {
      return core::Error::invalid(key + r.auth_file + ": " + credentials.error().message);
    }
    r.credentials = std::move(*credentials);
  }
  return delivery::RouteTable(std::move(routes));
}

}  // namespace stsrelay::app
