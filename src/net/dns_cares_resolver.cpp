#include "src/net/dns_cares_resolver.hpp"

#include <ares.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <mutex>
#include <unordered_map>
#include <unordered_set>

#include <boost/asio/post.hpp>
#include <boost/asio/posix/stream_descriptor.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <openssl/rand.h>

#include "src/net/dns_message.hpp"

namespace stsrelay::net {

namespace asio = boost::asio;

namespace {

// Re-queries of a CNAME target an authoritative server left unresolved (RFC 1034 §4.3.2 step
// 3a: a resolver restarts the query at the canonical name).
constexpr int kMaxCnameRequeries = 8;

using AnswerCallback = std::function<void(const DnsAnswer&)>;

DnsAnswer temporary(std::string reason) {
  DnsAnswer a;
  a.status = DnsStatus::temporary;
  a.reason = std::move(reason);
  return a;
}

// c-ares statuses that come without a response to decode.
DnsAnswer answer_from_status(int status, int timeouts) {
  switch (status) {
    case ARES_ENOTFOUND: {
      DnsAnswer a;
      a.status = DnsStatus::nxdomain;
      a.reason = "no such domain";
      return a;
    }
    case ARES_ENODATA: {
      DnsAnswer a;
      a.status = DnsStatus::nodata;
      a.reason = "no records of that type";
      return a;
    }
    case ARES_ETIMEOUT:
      return temporary("timeout after " + std::to_string(timeouts) + " tries");
    case ARES_ECONNREFUSED: return temporary("DNS server unreachable (connection refused)");
    case ARES_ESERVFAIL: return temporary("SERVFAIL");
    case ARES_EREFUSED: return temporary("REFUSED");
    case ARES_EFORMERR: return temporary("FORMERR");
    case ARES_ENOTIMP: return temporary("NOTIMP");
    case ARES_EBADRESP: return temporary("malformed DNS response");
    case ARES_EDESTRUCTION:
    case ARES_ECANCELLED: return temporary("resolver closed");
    default: return temporary(std::string("c-ares: ") + ares_strerror(status));
  }
}

std::string pending_key(const std::string& name, RecordType type) {
  return std::to_string(static_cast<unsigned>(type)) + ' ' + name;
}

// An unpredictable message id (RFC 5452 §9.2): ares_send sends the id of the message as it is.
std::uint16_t random_query_id() {
  unsigned char b[2] = {};
  if (RAND_bytes(b, sizeof b) != 1) {
    // The CSPRNG failing leaves the source port and the question as the only defences; a fixed
    // id is still a valid query.
    return 0;
  }
  return static_cast<std::uint16_t>(b[0] << 8 | b[1]);
}

}  // namespace

class CaresResolver::Impl : public std::enable_shared_from_this<Impl> {
 public:
  Impl(asio::any_io_executor ex, ResolverSettings settings, const core::Clock& clock)
      : strand_(asio::make_strand(ex)),
        settings_(std::move(settings)),
        clock_(clock),
        cache_(settings_.cache),
        timer_(strand_) {}

  ~Impl() { close(); }

  core::Status init() {
    static std::once_flag once;
    std::call_once(once, [] { ares_library_init(ARES_LIB_INIT_ALL); });
    ares_options opts{};
    int mask = ARES_OPT_SOCK_STATE_CB | ARES_OPT_TIMEOUTMS | ARES_OPT_TRIES | ARES_OPT_FLAGS |
               ARES_OPT_EDNSPSZ;
    opts.sock_state_cb = &Impl::on_sock_state;
    opts.sock_state_cb_data = this;
    opts.timeout = static_cast<int>(settings_.timeout.count());
    opts.tries = settings_.tries;
    // NOCHECKRESP: c-ares 1.18 would try the next server on SERVFAIL/REFUSED and then report
    // only ECONNREFUSED; we want the server's RCODE in the reason an administrator reads.
    // Timeouts and connection errors still move on to the next server.
    // EDNS: the queries carry their own OPT record (encode_query); the flag makes c-ares retry
    // without it when a server answers FORMERR to EDNS.
    opts.flags = ARES_FLAG_EDNS | ARES_FLAG_NOCHECKRESP;
    opts.ednspsz = kEdnsPayload;
    std::string resolv_conf = settings_.resolv_conf;
    if (!resolv_conf.empty()) {
      mask |= ARES_OPT_RESOLVCONF;
      opts.resolvconf_path = resolv_conf.data();  // copied by c-ares
    }
    if (const int rc = ares_init_options(&channel_, &opts, mask); rc != ARES_SUCCESS) {
      channel_ = nullptr;
      return core::Error::invalid(std::string("c-ares initialisation failed: ") +
                                  ares_strerror(rc));
    }
    if (!settings_.servers.empty()) {
      const std::string csv = to_cares_csv(settings_.servers);
      if (const int rc = ares_set_servers_ports_csv(channel_, csv.c_str()); rc != ARES_SUCCESS) {
        return core::Error::invalid("DNS servers \"" + csv + "\": " + ares_strerror(rc));
      }
    }
    return core::Ok{};
  }

  // Any thread.
  void resolve(std::string name, RecordType type, AnswerCallback done) {
    asio::post(strand_, [self = shared_from_this(), name = std::move(name), type,
                         done = std::move(done)]() mutable {
      self->start(normalize_dns_name(name), type, std::move(done));
    });
  }

  // On the strand, or when nothing else runs.
  void close() {
    if (closed_) return;
    closed_ = true;
    if (channel_ != nullptr) {
      ares_destroy(channel_);  // outstanding queries complete with ARES_EDESTRUCTION
      channel_ = nullptr;
    }
    for (auto& [fd, watch] : watches_) release(*watch);
    watches_.clear();
    timer_.cancel();
  }

  Stats stats() const { return stats_; }

  // Any thread. Buckets are read before the count, and written after it, so that no bucket
  // ever exceeds the count a reader sees.
  Latency latency() const {
    Latency out;
    std::uint64_t running = 0;
    for (std::size_t i = 0; i < out.buckets.size(); ++i) {
      running += latency_buckets_[i].load();
      out.buckets[i] = running;
    }
    out.count = latency_count_.load();
    out.sum_seconds = static_cast<double>(latency_sum_us_.load()) / 1e6;
    return out;
  }

 private:
  struct Watch {
    explicit Watch(asio::posix::stream_descriptor sd) : sd(std::move(sd)) {}
    asio::posix::stream_descriptor sd;
    bool want_read = false;
    bool want_write = false;
    bool read_pending = false;
    bool write_pending = false;
    bool closed = false;
  };

  struct Query {
    Impl* impl;
    std::string key_name;  // the name asked for: pending and cache key
    std::string qname;     // the name sent (differs after CNAME re-queries)
    RecordType type;
    int requeries;
    std::chrono::steady_clock::time_point sent_at{};
    // Every response so far had the AD bit: a chain followed over several queries is secure
    // only if every link was (RFC 4035 §3.2.3 speaks of one response at a time).
    bool chain_authenticated = true;
    std::uint16_t id = 0;  // message id of the query in flight
  };

  // An id no other query in flight uses: c-ares 1.18 matches answers by id first, and unlike
  // ares_query, ares_send does not pick one for us.
  std::uint16_t take_query_id() {
    std::uint16_t id = random_query_id();
    for (int i = 0; i < 16 && ids_in_flight_.contains(id); ++i) id = random_query_id();
    // The CSPRNG failed (or 16 draws collided): the next free id, if any is.
    for (int i = 0; i < 0x10000 && ids_in_flight_.contains(id); ++i) ++id;
    ids_in_flight_.insert(id);
    return id;
  }

  void start(std::string name, RecordType type, AnswerCallback done) {
    if (closed_) return done(temporary("resolver closed"));
    // The root is a name one may ask (the DNSSEC validation probe asks it, dnssec_probe.hpp),
    // though never a mail host, which is why is_valid_query_name leaves it out.
    if (name != "." && !is_valid_query_name(name)) {
      DnsAnswer a;
      a.status = DnsStatus::nxdomain;
      a.reason = "not a valid DNS name";
      return done(a);
    }
    if (auto cached = cache_.lookup(name, type, clock_.now())) {
      ++stats_.cache_hits;
      return done(*cached);
    }
    auto& waiters = pending_[pending_key(name, type)];
    waiters.push_back(std::move(done));
    if (waiters.size() > 1) {
      ++stats_.coalesced;
      return;
    }
    send(new Query{this, name, name, type, 0});
  }

  void send(Query* q) {
    ++stats_.queries_sent;
    // A duration, not a time of day: the steady clock, not the injected Clock.
    q->sent_at = std::chrono::steady_clock::now();
    // Our own message, not ares_query's: AD=1 and DO (RFC 6840 §5.7), which c-ares 1.18 cannot
    // set. Names that reach here passed is_valid_query_name, so encoding fails only on
    // malformed escapes, which no server could answer either.
    q->id = take_query_id();
    auto query = encode_query(q->qname, q->type, q->id);
    if (!query) {
      ids_in_flight_.erase(q->id);
      std::unique_ptr<Query> owned(q);
      finish(q->key_name, q->type,
             temporary("cannot encode a query for " + q->qname + ": " + query.error().message));
      return;
    }
    ares_send(channel_, query->data(), static_cast<int>(query->size()), &Impl::on_answer, q);
    update_timer();
  }

  static void on_answer(void* arg, int status, int timeouts, unsigned char* abuf, int alen) {
    std::unique_ptr<Query> q(static_cast<Query*>(arg));
    Impl& self = *q->impl;
    self.ids_in_flight_.erase(q->id);
    // Queries cut short by close() measure the shutdown, not the DNS.
    if (status != ARES_EDESTRUCTION) {
      self.record_latency(std::chrono::steady_clock::now() - q->sent_at);
    }
    DnsAnswer answer;
    const bool has_response = abuf != nullptr && alen > 0 &&
        (status == ARES_SUCCESS || status == ARES_ENODATA || status == ARES_ENOTFOUND);
    if (!has_response) {
      answer = answer_from_status(status, timeouts);
    } else {
      auto decoded = decode_response({abuf, static_cast<std::size_t>(alen)}, q->qname, q->type);
      if (!decoded) {
        answer = temporary("malformed answer for " + q->qname + ": " + decoded.error().message);
      } else {
        answer = interpret(*decoded);
        // An authoritative server answers a CNAME into another zone with the CNAME alone, and
        // without the SOA a real negative answer carries: ask again at the target.
        if (answer.status == DnsStatus::nodata && decoded->cname_followed &&
            !decoded->negative_ttl && q->requeries < kMaxCnameRequeries && !self.closed_) {
          q->chain_authenticated = q->chain_authenticated && answer.authenticated;
          q->qname = decoded->canonical_name;
          ++q->requeries;
          self.send(q.release());
          return;
        }
        answer.authenticated = answer.authenticated && q->chain_authenticated;
      }
    }
    self.finish(q->key_name, q->type, std::move(answer));
  }

  void record_latency(std::chrono::steady_clock::duration took) {
    const auto us = std::chrono::duration_cast<std::chrono::microseconds>(took).count();
    const double seconds = static_cast<double>(us) / 1e6;
    latency_count_.fetch_add(1);
    latency_sum_us_.fetch_add(static_cast<std::uint64_t>(std::max<std::int64_t>(us, 0)));
    const auto* bound =
        std::lower_bound(kLatencyBounds.begin(), kLatencyBounds.end(), seconds);
    if (bound != kLatencyBounds.end()) {
      latency_buckets_[static_cast<std::size_t>(bound - kLatencyBounds.begin())].fetch_add(1);
    }
  }

  void finish(const std::string& name, RecordType type, DnsAnswer answer) {
    const auto it = pending_.find(pending_key(name, type));
    if (it == pending_.end()) return;
    std::vector<AnswerCallback> waiters = std::move(it->second);
    pending_.erase(it);
    if (closed_) {
      for (auto& w : waiters) w(answer);
      return;
    }
    cache_.store(name, type, answer, clock_.now());
    // Out of c-ares' call stack: a callback may start queries or throw without disturbing it.
    asio::post(strand_, [waiters = std::move(waiters), answer = std::move(answer)] {
      for (const auto& w : waiters) w(answer);
    });
  }

  static void on_sock_state(void* data, ares_socket_t fd, int readable, int writable) {
    static_cast<Impl*>(data)->watch(fd, readable != 0, writable != 0);
  }

  void watch(ares_socket_t fd, bool readable, bool writable) {
    auto it = watches_.find(fd);
    if (!readable && !writable) {
      // c-ares is about to close the socket: stop watching it without closing it ourselves.
      if (it != watches_.end()) {
        release(*it->second);
        watches_.erase(it);
      }
      return;
    }
    if (closed_) return;
    if (it == watches_.end()) {
      auto w = std::make_shared<Watch>(asio::posix::stream_descriptor(strand_, fd));
      it = watches_.emplace(fd, std::move(w)).first;
    }
    const auto& w = it->second;
    w->want_read = readable;
    w->want_write = writable;
    if (readable) arm(w, true);
    if (writable) arm(w, false);
  }

  static void release(Watch& w) {
    w.closed = true;
    w.sd.release();  // cancels the waits; the descriptor stays open for c-ares to close
  }

  void arm(const std::shared_ptr<Watch>& w, bool read) {
    bool& pending = read ? w->read_pending : w->write_pending;
    if (pending || w->closed) return;
    pending = true;
    w->sd.async_wait(
        read ? asio::posix::descriptor_base::wait_read : asio::posix::descriptor_base::wait_write,
        [self = shared_from_this(), w, read](boost::system::error_code ec) {
          (read ? w->read_pending : w->write_pending) = false;
          if (w->closed || self->closed_ || ec == asio::error::operation_aborted) return;
          // Other errors: let c-ares read or write and meet the error itself.
          const ares_socket_t fd = w->sd.native_handle();
          ares_process_fd(self->channel_, read ? fd : ARES_SOCKET_BAD,
                          read ? ARES_SOCKET_BAD : fd);
          if (!w->closed && (read ? w->want_read : w->want_write)) self->arm(w, read);
          self->update_timer();
        });
  }

  // c-ares' next retransmission or timeout; nothing outstanding means no timer.
  void update_timer() {
    if (closed_) return;
    timeval tv{};
    if (ares_timeout(channel_, nullptr, &tv) == nullptr) {
      timer_.cancel();
      return;
    }
    timer_.expires_after(std::chrono::seconds(tv.tv_sec) + std::chrono::microseconds(tv.tv_usec));
    timer_.async_wait([self = shared_from_this()](boost::system::error_code ec) {
      if (ec || self->closed_) return;
      ares_process_fd(self->channel_, ARES_SOCKET_BAD, ARES_SOCKET_BAD);
      self->update_timer();
    });
  }

  asio::strand<asio::any_io_executor> strand_;
  ResolverSettings settings_;
  const core::Clock& clock_;
  DnsCache cache_;
  asio::steady_timer timer_;
  ares_channel channel_ = nullptr;
  bool closed_ = false;
  std::unordered_map<ares_socket_t, std::shared_ptr<Watch>> watches_;
  std::unordered_map<std::string, std::vector<AnswerCallback>> pending_;
  std::unordered_set<std::uint16_t> ids_in_flight_;
  Stats stats_;
  // Per bucket (not cumulative); queries over the last bound are only in the count.
  std::array<std::atomic<std::uint64_t>, kLatencyBounds.size()> latency_buckets_{};
  std::atomic<std::uint64_t> latency_count_{0};
  std::atomic<std::uint64_t> latency_sum_us_{0};
};

core::Result<std::unique_ptr<CaresResolver>> CaresResolver::create(asio::any_io_executor ex,
                                                                   ResolverSettings settings,
                                                                   const core::Clock& clock) {
  auto impl = std::make_shared<Impl>(std::move(ex), std::move(settings), clock);
  if (auto status = impl->init(); !status) return status.error();
  return std::unique_ptr<CaresResolver>(new CaresResolver(std::move(impl)));
}

CaresResolver::~CaresResolver() { impl_->close(); }

CaresResolver::Stats CaresResolver::stats() const { return impl_->stats(); }

CaresResolver::Latency CaresResolver::latency() const { return impl_->latency(); }

void CaresResolver::resolve_a(std::string name, Callback<IpAddress> done) {
  impl_->resolve(std::move(name), RecordType::a,
                 [done = std::move(done)](const DnsAnswer& a) { done(to_result<IpAddress>(a)); });
}
void CaresResolver::resolve_aaaa(std::string name, Callback<IpAddress> done) {
  impl_->resolve(std::move(name), RecordType::aaaa,
                 [done = std::move(done)](const DnsAnswer& a) { done(to_result<IpAddress>(a)); });
}
void CaresResolver::resolve_mx(std::string name, Callback<MxRecord> done) {
  impl_->resolve(std::move(name), RecordType::mx,
                 [done = std::move(done)](const DnsAnswer& a) { done(to_result<MxRecord>(a)); });
}
void CaresResolver::resolve_txt(std::string name, Callback<TxtRecord> done) {
  impl_->resolve(std::move(name), RecordType::txt,
                 [done = std::move(done)](const DnsAnswer& a) { done(to_result<TxtRecord>(a)); });
}
void CaresResolver::resolve_tlsa(std::string name, Callback<TlsaRecord> done) {
  impl_->resolve(std::move(name), RecordType::tlsa,
                 [done = std::move(done)](const DnsAnswer& a) { done(to_result<TlsaRecord>(a)); });
}

}  // namespace stsrelay::net
