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

namespace stsrelay::smtp {
namespace {

constexpr std::string_view kPrefix = "$pbkdf2-sha256$";
constexpr std::size_t kKeySize = 32;
constexpr std::size_t kSaltSize = 16;
constexpr std::size_t kMinSalt = 8;
constexpr std::size_t kMaxSalt = 64;

// passlib's "adapted base64": the standard alphabet with '.' for '+', no padding.
constexpr char kAlphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789./";

std::string encode_ab64(const std::vector<std::uint8_t>& bytes) {
  std::string out;
  std::uint32_t acc = 0;
  int bits = 0;
  for (std::uint8_t b : bytes) {
    acc = (acc << 8) | b;
    bits += 8;
    while (bits >= 6) {
      bits -= 6;
      out += kAlphabet[(acc >> bits) & 63];
    }
  }
  if (bits > 0) out += kAlphabet[(acc << (6 - bits)) & 63];
  return out;
}

int decode_char(char c) {
  if (c >= 'A' && c <= 'Z') return c - 'A';
  if (c >= 'a' && c <= 'z') return c - 'a' + 26;
  if (c >= '0' && c <= '9') return c - '0' + 52;
  if (c == '+' || c == '.') return 62;
  if (c == '/') return 63;
  return -1;
}

// Adapted or standard base64, padding optional; false on any other character or a length
// no encoder produces.
bool decode_b64(std::string_view text, std::vector<std::uint8_t>& out) {
  while (!text.empty() && text.back() == '=') text.remove_suffix(1);
  if (text.size() % 4 == 1) return false;
  out.clear();
  std::uint32_t acc = 0;
  int bits = 0;
  for (char c : text) {
    const int v = decode_char(c);
    if (v < 0) return false;
    acc = (acc << 6) | static_cast<std::uint32_t>(v);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out.push_back(static_cast<std::uint8_t>((acc >> bits) & 0xff));
    }
  }
  return true;
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
  if (!decode_b64(rest.substr(d1 + 1, d2 - d1 - 1), out.salt) || out.salt.size() < kMinSalt ||
      out.salt.size() > kMaxSalt) {
    return core::Error::invalid("the salt must be base64 of 8 to 64 bytes");
  }
  if (!decode_b64(rest.substr(d2 + 1), out.key) || out.key.size() != kKeySize) {
    return core::Error::invalid("the derived key must be base64 of 32 bytes");
  }
  return out;
}

std::string format_password_hash(const PasswordHash& hash) {
  return std::string(kPrefix) + std::to_string(hash.iterations) + "$" + encode_ab64(hash.salt) +
         "$" + encode_ab64(hash.key);
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
