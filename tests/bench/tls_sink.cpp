// tls_sink: the receiving MX of the end-to-end benchmark when the relays, not the receivers, are
// to be measured. One thread, one coroutine per connection: ESMTP with PIPELINING and STARTTLS
// (the given certificate chain), every MAIL, RCPT and DATA accepted, every message discarded.
// Replies to commands that arrived together leave in one write, as a pipelining server's do.
//
//   tls_sink --cert CHAIN.pem --key KEY.pem --counters FILE ADDR:PORT...
//
// The counters are two little-endian 64-bit integers in FILE (messages taken, connections
// accepted), kept in a shared mapping so that the benchmark reads them without asking the sink.
// Compared with a Postfix receiver, which writes each message into its queue and hands it to
// discard(8), this costs the shared CPUs little, so the rates measure the relays.
#include <fcntl.h>
#include <sys/mman.h>
#include <unistd.h>

#include <atomic>
#include <cctype>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <new>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include <boost/asio/awaitable.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>

namespace asio = boost::asio;
using asio::ip::tcp;

namespace {

struct Counters {
  std::atomic<std::uint64_t> messages;
  std::atomic<std::uint64_t> connections;
};

Counters* map_counters(const char* path) {
  int fd = ::open(path, O_RDWR | O_CREAT | O_TRUNC, 0644);
  if (fd < 0 || ::ftruncate(fd, sizeof(Counters)) != 0) {
    std::perror(path);
    std::exit(2);
  }
  void* p = ::mmap(nullptr, sizeof(Counters), PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
  ::close(fd);
  if (p == MAP_FAILED) {
    std::perror("mmap");
    std::exit(2);
  }
  return new (p) Counters{};
}

bool starts_with_nocase(std::string_view line, std::string_view word) {
  if (line.size() < word.size()) return false;
  for (std::size_t i = 0; i < word.size(); ++i) {
    if (std::toupper(static_cast<unsigned char>(line[i])) != word[i]) return false;
  }
  return true;
}

// The SMTP conversation over a plain socket or a TLS stream. Returns true when the client asked
// for STARTTLS (and got its 220), false when the conversation is over.
template <class Stream>
asio::awaitable<bool> converse(Stream& stream, bool tls, Counters& counters) {
  std::string in;
  std::string out;
  bool in_data = false;
  char chunk[65536];
  for (;;) {
    std::size_t start = 0;
    bool starttls = false;
    bool quit = false;
    for (;;) {
      auto eol = in.find("\r\n", start);
      if (eol == std::string::npos) break;
      std::string_view line(in.data() + start, eol - start);
      start = eol + 2;
      if (in_data) {
        if (line == ".") {
          in_data = false;
          counters.messages.fetch_add(1, std::memory_order_relaxed);
          out += "250 2.0.0 Ok: discarded\r\n";
        }
        continue;
      }
      if (starts_with_nocase(line, "EHLO")) {
        out += "250-mx.sink.bench.test\r\n250-PIPELINING\r\n250-SIZE 104857600\r\n250-8BITMIME\r\n";
        if (!tls) out += "250-STARTTLS\r\n";
        out += "250-ENHANCEDSTATUSCODES\r\n250 SMTPUTF8\r\n";
      } else if (starts_with_nocase(line, "HELO")) {
        out += "250 mx.sink.bench.test\r\n";
      } else if (starts_with_nocase(line, "MAIL")) {
        out += "250 2.1.0 Ok\r\n";
      } else if (starts_with_nocase(line, "RCPT")) {
        out += "250 2.1.5 Ok\r\n";
      } else if (starts_with_nocase(line, "DATA")) {
        in_data = true;
        out += "354 End data with <CR><LF>.<CR><LF>\r\n";
      } else if (starts_with_nocase(line, "RSET") || starts_with_nocase(line, "NOOP")) {
        out += "250 2.0.0 Ok\r\n";
      } else if (starts_with_nocase(line, "STARTTLS") && !tls) {
        out += "220 2.0.0 Ready to start TLS\r\n";
        starttls = true;
        break;  // nothing sent after STARTTLS may be read as plain text
      } else if (starts_with_nocase(line, "QUIT")) {
        out += "221 2.0.0 Bye\r\n";
        quit = true;
        break;
      } else {
        out += "500 5.5.2 Command unrecognized\r\n";
      }
    }
    in.erase(0, start);
    if (!out.empty()) {
      co_await asio::async_write(stream, asio::buffer(out), asio::use_awaitable);
      out.clear();
    }
    if (starttls) co_return in.empty();
    if (quit) co_return false;
    std::size_t n = co_await stream.async_read_some(asio::buffer(chunk), asio::use_awaitable);
    in.append(chunk, n);
  }
}

asio::awaitable<void> serve(tcp::socket socket, asio::ssl::context& tls, Counters& counters) {
  counters.connections.fetch_add(1, std::memory_order_relaxed);
  try {
    static constexpr std::string_view greeting = "220 mx.sink.bench.test ESMTP tls_sink\r\n";
    co_await asio::async_write(socket, asio::buffer(greeting), asio::use_awaitable);
    if (!co_await converse(socket, false, counters)) co_return;
    asio::ssl::stream<tcp::socket&> stream(socket, tls);
    co_await stream.async_handshake(asio::ssl::stream_base::server, asio::use_awaitable);
    co_await converse(stream, true, counters);
  } catch (const std::exception&) {
    // A client that went away or a failed handshake ends its connection, nothing else.
  }
}

asio::awaitable<void> accept_loop(tcp::acceptor acceptor, asio::ssl::context& tls,
                                  Counters& counters) {
  for (;;) {
    tcp::socket socket = co_await acceptor.async_accept(asio::use_awaitable);
    socket.set_option(tcp::no_delay(true));
    asio::co_spawn(acceptor.get_executor(), serve(std::move(socket), tls, counters),
                   asio::detached);
  }
}

}  // namespace

int main(int argc, char** argv) {
  std::string cert, key, counters_path;
  std::vector<std::string> listens;
  for (int i = 1; i < argc; ++i) {
    std::string_view arg = argv[i];
    if ((arg == "--cert" || arg == "--key" || arg == "--counters") && i + 1 < argc) {
      (arg == "--cert" ? cert : arg == "--key" ? key : counters_path) = argv[++i];
    } else {
      listens.emplace_back(arg);
    }
  }
  if (cert.empty() || key.empty() || counters_path.empty() || listens.empty()) {
    std::fprintf(stderr, "usage: tls_sink --cert CHAIN --key KEY --counters FILE ADDR:PORT...\n");
    return 2;
  }
  try {
    asio::io_context io(1);
    asio::ssl::context tls(asio::ssl::context::tls_server);
    tls.use_certificate_chain_file(cert);
    tls.use_private_key_file(key, asio::ssl::context::pem);
    Counters& counters = *map_counters(counters_path.c_str());
    for (const auto& listen : listens) {
      auto colon = listen.rfind(':');
      if (colon == std::string::npos) throw std::runtime_error("not ADDR:PORT: " + listen);
      tcp::endpoint endpoint(asio::ip::make_address(listen.substr(0, colon)),
                             static_cast<unsigned short>(std::stoi(listen.substr(colon + 1))));
      tcp::acceptor acceptor(io, endpoint);  // sets SO_REUSEADDR
      acceptor.listen(4096);
      asio::co_spawn(io, accept_loop(std::move(acceptor), tls, counters), asio::detached);
    }
    asio::signal_set stop(io, SIGTERM, SIGINT);
    stop.async_wait([&io](auto, int) { io.stop(); });
    io.run();
  } catch (const std::exception& e) {
    std::fprintf(stderr, "tls_sink: %s\n", e.what());
    return 1;
  }
  return 0;
}
