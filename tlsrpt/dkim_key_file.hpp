// Reading the DKIM private key named by tlsrpt.dkim_key_file: the file's I/O around
// DkimKey::from_pem. Every error names the file and what is wrong with it.
#pragma once

#include <string>

#include "src/core/result.hpp"
#include "tlsrpt/dkim_key.hpp"

namespace stsrelay::tlsrpt {

// Key files are a few kilobytes; anything much larger is the wrong file.
inline constexpr std::size_t kMaxDkimKeyFileSize = 64 * 1024;

core::Result<DkimKey> load_dkim_key(const std::string& path);

}  // namespace stsrelay::tlsrpt
