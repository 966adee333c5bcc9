#include "tlsrpt/gzip.hpp"

#include <zlib.h>

namespace stsrelay::tlsrpt {

core::Result<std::string> gzip_compress(std::string_view data) {
  if (data.size() > 0xffffffffu) return core::Error::invalid("gzip: input larger than 4 GiB");
  z_stream z{};
  // windowBits 15 + 16: a gzip header and trailer instead of zlib's.
  int rc = deflateInit2(&z, Z_BEST_COMPRESSION, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY);
  if (rc != Z_OK) return core::Error::permanent("gzip: deflateInit2 failed: " + std::to_string(rc));
  std::string out(deflateBound(&z, static_cast<uLong>(data.size())) + 32, '\0');
  z.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(data.data()));
  z.avail_in = static_cast<uInt>(data.size());
  z.next_out = reinterpret_cast<Bytef*>(out.data());
  z.avail_out = static_cast<uInt>(out.size());
  rc = deflate(&z, Z_FINISH);
  const std::string why = z.msg ? z.msg : std::to_string(rc);
  const auto written = z.total_out;
  deflateEnd(&z);
  // deflateBound() is an upper bound, so one Z_FINISH call completes the stream.
  if (rc != Z_STREAM_END) return core::Error::permanent("gzip: deflate failed: " + why);
  out.resize(written);
  return out;
}

}  // namespace stsrelay::tlsrpt
