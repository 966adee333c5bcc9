// The AUTH user database (`relay.auth_users_file`): one "user:hash" line per user, '#' comments
// and blank lines ignored. A hash is PBKDF2-HMAC-SHA256 with a random salt, written as
//
//   $pbkdf2-sha256$<iterations>$<salt>$<derived key>
//
// salt and key in the "adapted base64" of passlib (standard alphabet with '.' for '+', no
// padding), so entries made by passlib's pbkdf2_sha256 work too; standard base64 is read as well.
// RFC 4954 §4 leaves the verifier to the server; this one is salted and slow on purpose
// (kPbkdf2Iterations: about 40 ms of CPU here), compares in constant time, and spends the same
// work on an unknown user as on a known one, so that timing does not tell which users exist.
#pragma once

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "src/core/result.hpp"

namespace stsrelay::smtp {

inline constexpr int kPbkdf2Iterations = 100000;
inline constexpr int kMinPbkdf2Iterations = 1000;
inline constexpr int kMaxPbkdf2Iterations = 10000000;

struct PasswordHash {
  int iterations = kPbkdf2Iterations;
  std::vector<std::uint8_t> salt;  // 8 to 64 bytes
  std::vector<std::uint8_t> key;   // 32 bytes: one SHA-256 block of PBKDF2 output

  friend bool operator==(const PasswordHash&, const PasswordHash&) = default;
};

// Parses "$pbkdf2-sha256$..."; the error says which part is wrong.
core::Result<PasswordHash> parse_password_hash(std::string_view text);
std::string format_password_hash(const PasswordHash& hash);

// A new hash of `password` with a random 16-byte salt (OpenSSL RAND_bytes) and
// kPbkdf2Iterations; throws std::runtime_error when the random generator fails.
std::string hash_password(std::string_view password);
// The same with a given salt and count (known-answer tests, and the decoy of unknown users).
PasswordHash derive_password_hash(std::string_view password, std::vector<std::uint8_t> salt,
                                  int iterations);

// A user name the file can hold: 1 to 255 bytes, no ':' (the separator), no space or control
// byte. UTF-8 is allowed (SASL authentication identities are UTF-8, RFC 4954 §4).
bool is_valid_auth_user(std::string_view user);

class AuthUsers {
 public:
  AuthUsers() = default;

  // Reads the file; errors name it and the line ("users:3: ..."). A missing file is
  // ErrorKind::not_found.
  static core::Result<AuthUsers> load(const std::filesystem::path& file);
  // The same from text; `source` names it in errors.
  static core::Result<AuthUsers> parse(std::string_view text, std::string_view source);

  // True when `user` exists and `password` matches. Costs one PBKDF2 derivation whether or not
  // the user exists.
  bool verify(std::string_view user, std::string_view password) const;

  bool empty() const { return users_.empty(); }
  std::size_t size() const { return users_.size(); }

 private:
  std::map<std::string, PasswordHash, std::less<>> users_;
};

}  // namespace stsrelay::smtp
