// A message whose body comes in a spool file (core::MessageContent) is copied into queue.db in
// chunks inside the writer's transaction, and read back in chunks (Store::open_content): the
// bytes are the same as for a message given in memory, `queue show` reads only the header
// section.
#include <gtest/gtest.h>

#include <future>
#include <memory>
#include <string>

#include "fake_clock.hpp"
#include "queue/store.hpp"
#include "queue_test_support.hpp"

namespace stsrelay::queue {
namespace {

using testing::enqueue_and_wait;
using testing::sample_envelope;
using testing::TempDir;

// A header in memory and a body of `body_bytes` octets of every value in a spool file.
core::MessageContent spooled(const TempDir& dir, const std::string& header,
                             std::size_t body_bytes, std::string& whole) {
  auto file = core::SpoolFile::create(dir.path());
  EXPECT_TRUE(file) << file.error().message;
  std::string body;
  for (std::size_t i = 0; i < body_bytes; ++i) body.push_back(static_cast<char>(i * 7 + 3));
  EXPECT_TRUE(file->append(body));
  whole = header + body;
  return core::MessageContent(header, std::move(*file));
}

core::Result<std::string> enqueue_spooled(Store& store, core::MessageContent content) {
  auto promise = std::make_shared<std::promise<core::Result<std::string>>>();
  auto future = promise->get_future();
  store.enqueue_with_id(store.new_id(), sample_envelope(), std::move(content),
                        [promise](core::Result<std::string> r) { promise->set_value(r); });
  if (future.wait_for(testing::kWaitBound) != std::future_status::ready) {
    return core::Error::temporary("test: no answer from the writer thread");
  }
  return future.get();
}

std::string read_in_chunks(core::ContentSource& source, std::size_t chunk) {
  std::string out;
  std::string buffer(chunk, '\0');
  for (std::uint64_t pos = 0; pos < source.size();) {
    auto n = source.read_at(pos, buffer.data(), buffer.size());
    EXPECT_TRUE(n) << n.error().message;
    if (!n || *n == 0) break;
    out.append(buffer.data(), *n);
    pos += *n;
  }
  return out;
}

TEST(SpooledContent, StoredAndReadBackInChunks) {
  TempDir dir;
  stsrelay::testing::FakeClock clock;
  auto store = Store::open(dir.db(), clock);
  ASSERT_TRUE(store) << store.error().message;
  const std::string header = "Received: by relay.test\r\nSubject: big\r\n\r\n";
  for (std::size_t body_bytes : {std::size_t{0}, std::size_t{1}, std::size_t{262144},
                                 std::size_t{3 * 262144 + 17}}) {
    SCOPED_TRACE(body_bytes);
    std::string whole;
    auto id = enqueue_spooled(**store, spooled(dir, header, body_bytes, whole));
    ASSERT_TRUE(id) << id.error().message;
    auto loaded = (*store)->load_content(*id);
    ASSERT_TRUE(loaded) << loaded.error().message;
    EXPECT_EQ(*loaded, whole);
    auto source = (*store)->open_content(*id);
    ASSERT_TRUE(source) << source.error().message;
    EXPECT_EQ((*source)->size(), whole.size());
    EXPECT_FALSE((*source)->in_memory());
    for (std::size_t chunk : {std::size_t{1000}, std::size_t{65536}}) {
      EXPECT_EQ(read_in_chunks(**source, chunk), whole);
    }
  }
}

TEST(SpooledContent, ShowReadsTheHeaderSection) {
  TempDir dir;
  stsrelay::testing::FakeClock clock;
  std::string id;
  const std::string header = "Subject: big\r\nX-Pad: " + std::string(20000, 'p') + "\r\n\r\n";
  {
    auto store = Store::open(dir.db(), clock);
    ASSERT_TRUE(store) << store.error().message;
    std::string whole;
    auto queued = enqueue_spooled(**store, spooled(dir, header, 100000, whole));
    ASSERT_TRUE(queued) << queued.error().message;
    id = *queued;
  }
  auto reader = Reader::open(dir.db(), clock);
  ASSERT_TRUE(reader) << reader.error().message;
  auto detail = (*reader)->show(id);
  ASSERT_TRUE(detail) << detail.error().message;
  EXPECT_EQ(detail->headers, header.substr(0, header.size() - 2));
  EXPECT_EQ(detail->message.size, static_cast<std::int64_t>(header.size() + 100000));
}

TEST(SpooledContent, OpenContentOfADeletedMessageIsNotFound) {
  TempDir dir;
  stsrelay::testing::FakeClock clock;
  auto store = Store::open(dir.db(), clock);
  ASSERT_TRUE(store) << store.error().message;
  auto source = (*store)->open_content("0000000000000000");
  ASSERT_FALSE(source);
  EXPECT_EQ(source.error().kind, core::ErrorKind::not_found);
}

}  // namespace
}  // namespace stsrelay::queue
