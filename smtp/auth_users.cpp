#include "smtp/auth_users.hpp"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/rand.h>

#include <cerrno>
#include <charconv>
#include <cstring>
#include <fstream>
#include <sstream>
#include <stdexcept>

#include "src/core/base64.hpp"

namespace stsrelay::smtp {
namespace {

constexpr std::string_view kPrefix = "$pbkdf2-sha256$";
constexpr std::size_t kKeySize = 32;
constexpr std::size_t kSaltSize = 16;
constexpr std::size_t kMinSalt = 8;
constexpr std::size_t kMaxSalt = 64;

std::string_view as_bytes(const std::vector<std::uint8_t>& v) {
  return {reinterpret_cast<const char*>(v.data()), v.size()};
}

std::vector<std::uint8_t> pbkdf2(std::string_view password,
                                 const std::vector<std::uint8_t>& salt, int iterations) {
  std::vector<std::uint8_t> key(kKeySize);
  if (PKCS5_PBKDF2_HMAC(password.data(), static_cast<int>(password.size()), salt.data(),
                        static_cast<int>(salt.size()), iterations, EVP_sha256(),
                        static_cast<int>(key.size()), key.data()) != 1) {
    throw std::runtime_error("PKCS5_PBKDF2_HMAC failed");
  }
  return key;
}

// What an unknown user is checked against: the same work as a real entry, never a match
// (no password derives an all-zero key except by a SHA-256 preimage).
const PasswordHash& decoy() {
  static const PasswordHash hash{kPbkdf2Iterations, std::vector<std::uint8_t>(kSaltSize, 0x5a),
                                 std::vector<std::uint8_t>(kKeySize, 0)};
  return hash;
}

bool matches(const PasswordHash& hash, std::string_view password) {
  const auto key = pbkdf2(password, hash.salt, hash.iterations);
  return key.size() == hash.key.size() &&
         CRYPTO_memcmp(key.data(), hash.key.data(), key.size()) == 0;
}

}  // namespace

core::Result<PasswordHash> parse_password_hash(std::string_view text) {
  if (!text.starts_with(kPrefix)) {
    return core::Error::invalid("expected a hash starting with \"$pbkdf2-sha256$\"");
  }
  std::string_view rest = text.substr(kPrefix.size());
  const auto d1 = rest.find('$');
  const auto d2 = d1 == std::string_view::npos ? d1 : rest.find('$', d1 + 1);
  if (d2 == std::string_view::npos || rest.find('$', d2 + 1) != std::string_view::npos) {
    return core::Error::invalid("expected $pbkdf2-sha256$<iterations>$<salt>$<key>");
  }
  const std::string_view count = rest.substr(0, d1);
  PasswordHash out;
  auto [end, ec] = std::from_chars(count.data(), count.data() + count.size(), out.iterations);
  if (count.empty() || ec != std::errc() || end != count.data() + count.size() ||
      out.iterations < kMinPbkdf2Iterations || out.iterations > kMaxPbkdf2Iterations) {
    return core::Error::invalid("iterations must be a number from " +
                                std::to_string(kMinPbkdf2Iterations) + " to " +
                                std::to_string(kMaxPbkdf2Iterations));
  }
  const auto salt = core::decode_ab64(rest.substr(d1 + 1, d2 - d1 - 1));
  if (salt) out.salt.assign(salt->begin(), salt->end());
  if (!salt || out.salt.size() < kMinSalt || out.salt.size() > kMaxSalt) {
    return core::Error::invalid("the salt must be base64 of 8 to 64 bytes");
  }
  const auto key = core::decode_ab64(rest.substr(d2 + 1));
  if (key) out.key.assign(key->begin(), key->end());
  if (!key || out.key.size() != kKeySize) {
    return core::Error::invalid("the derived key must be base64 of 32 bytes");
  }
  return out;
}

std::string format_password_hash(const PasswordHash& hash) {
  return std::string(kPrefix) + std::to_string(hash.iterations) + "$" +
         core::encode_ab64(as_bytes(hash.salt)) + "$" + core::encode_ab64(as_bytes(hash.key));
}

PasswordHash derive_password_hash(std::string_view password, std::vector<std::uint8_t> salt,
                                  int iterations) {
  PasswordHash out;
  out.iterations = iterations;
  out.key = pbkdf2(password, salt, iterations);
  out.salt = std::move(salt);
  return out;
}

std::string hash_password(std::string_view password) {
  std::vector<std::uint8_t> salt(kSaltSize);
  if (RAND_bytes(salt.data(), static_cast<int>(salt.size())) != 1) {
    throw std::runtime_error("RAND_bytes failed: no salt for the password hash");
  }
  return format_password_hash(derive_password_hash(password, std::move(salt), kPbkdf2Iterations));
}

bool is_valid_auth_user(std::string_view user) {
  if (user.empty() || user.size() > 255) return false;
  for (unsigned char c : user) {
    if (c <= ' ' || c == ':' || c == 0x7f) return false;
  }
  return true;
}

core::Result<AuthUsers> AuthUsers::parse(std::string_view text, std::string_view source) {
  AuthUsers out;
  std::size_t line_no = 0;
  while (!text.empty()) {
    ++line_no;
    const auto nl = text.find('\n');
    std::string_view line = text.substr(0, nl);
    text = nl == std::string_view::npos ? std::string_view{} : text.substr(nl + 1);
    if (line.ends_with('\r')) line.remove_suffix(1);
    const auto first = line.find_first_not_of(" \t");
    if (first == std::string_view::npos || line[first] == '#') continue;

    auto fail = [&](const std::string& what) {
      return core::Error::invalid(std::string(source) + ":" + std::to_string(line_no) + ": " +
                                  what);
    };
    const auto colon = line.find(':');
    if (colon == std::string_view::npos) return fail("expected \"user:hash\"");
    const std::string_view user = line.substr(0, colon);
    if (!is_valid_auth_user(user)) {
      return fail("bad user name \"" + std::string(user) +
                  "\" (1 to 255 bytes, no ':', space or control character)");
    }
    auto hash = parse_password_hash(line.substr(colon + 1));
    if (!hash) return fail("user \"" + std::string(user) + "\": " + hash.error().message);
    if (!out.users_.emplace(std::string(user), std::move(*hash)).second) {
      return fail("user \"" + std::string(user) + "\" is listed twice");
    }
  }
  return out;
}

core::Result<AuthUsers> AuthUsers::load(const std::filesystem::path& file) {
  std::ifstream in(file, std::ios::binary);
  if (!in) {
    const int err = errno;
    std::string message = file.string() + ": cannot read: " + std::strerror(err);
    if (err == ENOENT) return core::Error::not_found(std::move(message));
    return core::Error::permanent(std::move(message));
  }
  std::ostringstream text;
  text << in.rdbuf();
  if (in.bad()) return core::Error::temporary(file.string() + ": read error");
  return parse(text.str(), file.string());
}

bool AuthUsers::verify(std::string_view user, std::string_view password) const {
  auto it = users_.find(user);
  if (it == users_.end()) {
    (void)matches(decoy(), password);  // the same work, so timing does not reveal the user
    return false;
  }
  return matches(it->second, password);
}

}  // namespace stsrelay::smtp
