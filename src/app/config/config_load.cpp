#include "src/app/config/config_load.hpp"

#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>

#include "src/app/config/config_parser.hpp"
#include "src/app/config/config_validate.hpp"

namespace stsrelay::app {

core::Result<Config> load_config(const std::filesystem::path& file) {
  const std::string name = file.string();
  std::ifstream in(file, std::ios::binary);
  if (!in) {
    return core::Error::not_found(name + ": cannot read: " + std::strerror(errno));
  }
  std::ostringstream text;
  text << in.rdbuf();
  if (in.bad()) return core::Error::temporary(name + ": read error: " + std::strerror(errno));

  auto parsed = parse_config(text.str(), name);
  if (!parsed) return parsed.error();
  if (auto valid = validate_config(*parsed); !valid) return valid.error();
  return std::move(parsed->config);
}

}  // namespace stsrelay::app
