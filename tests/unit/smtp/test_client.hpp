// A raw SMTP client for the in-process server tests: blocking POSIX socket with receive and
// send timeouts (every call is bounded), optional TLS with OpenSSL after STARTTLS.
#pragma once

#include <arpa/inet.h>
#include <netinet/in.h>
#include <openssl/ssl.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <chrono>
#include <stdexcept>
#include <string>
#include <thread>

namespace stsrelay::smtp::testing {

class TestClient {
 public:
  explicit TestClient(const std::string& endpoint) {
    auto colon = endpoint.rfind(':');
    std::string host = endpoint.substr(0, colon);
    int port = std::stoi(endpoint.substr(colon + 1));
    fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
    timeval tv{10, 0};
    ::setsockopt(fd_, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    ::setsockopt(fd_, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(static_cast<uint16_t>(port));
    ::inet_pton(AF_INET, host.c_str(), &addr.sin_addr);
    if (::connect(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
      throw std::runtime_error("connect to " + endpoint + " failed");
    }
  }
  ~TestClient() {
    if (ssl_) SSL_free(ssl_);
    if (ctx_) SSL_CTX_free(ctx_);
    ::close(fd_);
  }
  TestClient(const TestClient&) = delete;
  TestClient& operator=(const TestClient&) = delete;

  void send(const std::string& bytes) {
    std::size_t off = 0;
    while (off < bytes.size()) {
      long n = ssl_ ? SSL_write(ssl_, bytes.data() + off, static_cast<int>(bytes.size() - off))
                    : ::send(fd_, bytes.data() + off, bytes.size() - off, MSG_NOSIGNAL);
      if (n <= 0) throw std::runtime_error("send failed");
      off += static_cast<std::size_t>(n);
    }
  }

  // One whole reply (all lines of a multi-line reply); "" when the connection closed or the
  // receive timeout passed first.
  std::string reply() {
    std::string out;
    while (true) {
      std::string line = read_line();
      if (line.empty()) return out;
      out += line;
      if (line.size() >= 4 && line[3] == ' ') return out;
    }
  }

  // The reply's first line without CRLF, e.g. "250 2.1.0 Ok".
  std::string reply_line() {
    std::string r = reply();
    return r.substr(0, r.find("\r\n"));
  }

  // True when the server closed the connection (EOF) within the receive timeout.
  bool closed_by_server() {
    char c;
    long n = ssl_ ? SSL_read(ssl_, &c, 1) : ::recv(fd_, &c, 1, 0);
    return n == 0 || (ssl_ && n < 0 && errno != EAGAIN && errno != EWOULDBLOCK);
  }

  // Client side of the TLS handshake after "220 2.0.0" to STARTTLS (no verification: the
  // test certificate is self-signed). Returns the negotiated protocol version.
  std::string start_tls() {
    ctx_ = SSL_CTX_new(TLS_client_method());
    ssl_ = SSL_new(ctx_);
    SSL_set_fd(ssl_, fd_);
    SSL_set_tlsext_host_name(ssl_, "relay.example.org");
    if (SSL_connect(ssl_) != 1) throw std::runtime_error("TLS handshake failed");
    return SSL_get_version(ssl_);
  }

  // Plaintext bytes sent behind the client's back (the STARTTLS injection of CVE-2011-0411).
  void send_raw(const std::string& bytes) {
    ::send(fd_, bytes.data(), bytes.size(), MSG_NOSIGNAL);
  }

 private:
  std::string read_line() {
    std::string line;
    while (line.size() < 100000) {
      if (pos_ == buf_.size()) {
        char tmp[4096];
        long n = ssl_ ? SSL_read(ssl_, tmp, sizeof tmp) : ::recv(fd_, tmp, sizeof tmp, 0);
        if (n <= 0) return "";
        buf_.assign(tmp, static_cast<std::size_t>(n));
        pos_ = 0;
      }
      char c = buf_[pos_++];
      line += c;
      if (c == '\n') return line;
    }
    return line;
  }

  int fd_ = -1;
  SSL_CTX* ctx_ = nullptr;
  SSL* ssl_ = nullptr;
  std::string buf_;
  std::size_t pos_ = 0;
};

// Waits for `pred` with a bound; true when it became true in time.
template <class Pred>
bool wait_until(Pred pred, std::chrono::milliseconds bound = std::chrono::seconds(10)) {
  auto end = std::chrono::steady_clock::now() + bound;
  while (!pred()) {
    if (std::chrono::steady_clock::now() > end) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
  }
  return true;
}

}  // namespace stsrelay::smtp::testing
