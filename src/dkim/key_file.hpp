// Reading a DKIM private key file (tlsrpt.dkim_key_file, [[dkim.sign]] key_file): the I/O around
// DkimKey::from_pem. Every error names the file and what is wrong with it.
#pragma once

#include <string>

#include "src/core/result.hpp"
#include "src/dkim/key.hpp"

namespace stsrelay::dkim {

// Key files are a few kilobytes; anything much larger is the wrong file.
inline constexpr std::size_t kMaxDkimKeyFileSize = 64 * 1024;

core::Result<DkimKey> load_dkim_key(const std::string& path);

}  // namespace stsrelay::dkim
