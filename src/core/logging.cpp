#include "src/core/logging.hpp"

#include <spdlog/pattern_formatter.h>
#include <spdlog/sinks/stdout_sinks.h>
#include <spdlog/spdlog.h>

#include <mutex>

#include "src/core/log_quote.hpp"

namespace stsrelay::core {
namespace {

constexpr const char* kTextPattern = "%Y-%m-%dT%H:%M:%S.%eZ %n %l: %v";
// JSON lines: the message itself is key=value text; it is carried as one JSON string (%*, escaped
// by JsonEscapedMessage) so that log shippers need no special parser.
constexpr const char* kJsonPattern =
    R"({"time":"%Y-%m-%dT%H:%M:%S.%eZ","logger":"%n","level":"%l","msg":"%*"})";

class JsonEscapedMessage final : public spdlog::custom_flag_formatter {
 public:
  void format(const spdlog::details::log_msg& msg, const std::tm&,
              spdlog::memory_buf_t& dest) override {
    std::string escaped;
    append_escaped(escaped, std::string_view(msg.payload.data(), msg.payload.size()),
                   QuoteStyle::json);
    dest.append(escaped.data(), escaped.data() + escaped.size());
  }
  std::unique_ptr<custom_flag_formatter> clone() const override {
    return std::make_unique<JsonEscapedMessage>();
  }
};

std::mutex g_mutex;

std::shared_ptr<spdlog::logger> make_logger(const std::string& name, LogFormat format) {
  auto sink = std::make_shared<spdlog::sinks::stderr_sink_mt>();
  auto logger = std::make_shared<spdlog::logger>(name, sink);
  auto formatter = std::make_unique<spdlog::pattern_formatter>(spdlog::pattern_time_type::utc);
  formatter->add_flag<JsonEscapedMessage>('*');
  formatter->set_pattern(format == LogFormat::json ? kJsonPattern : kTextPattern);
  logger->set_formatter(std::move(formatter));
  logger->flush_on(spdlog::level::info);
  return logger;
}

bool parse_level(std::string_view name, spdlog::level::level_enum& out) {
  for (int l = spdlog::level::trace; l < spdlog::level::n_levels; ++l) {
    auto lv = static_cast<spdlog::level::level_enum>(l);
    auto sv = spdlog::level::to_string_view(lv);
    if (name == std::string_view(sv.data(), sv.size())) {
      out = lv;
      return true;
    }
  }
  if (name == "warn") { out = spdlog::level::warn; return true; }
  return false;
}

}  // namespace

bool setup_logging(std::string_view level, LogFormat format) {
  spdlog::level::level_enum lv;
  if (!parse_level(level, lv)) return false;
  std::lock_guard lock(g_mutex);
  spdlog::drop("stsrelay");
  spdlog::drop("mail");
  auto main_logger = make_logger("stsrelay", format);
  auto mail_logger = make_logger("mail", format);
  main_logger->set_level(lv);
  mail_logger->set_level(lv);
  spdlog::register_logger(mail_logger);
  spdlog::set_default_logger(main_logger);
  return true;
}

bool set_log_level(std::string_view level) {
  spdlog::level::level_enum lv;
  if (!parse_level(level, lv)) return false;
  spdlog::default_logger()->set_level(lv);
  mail_log().set_level(lv);
  return true;
}

spdlog::logger& mail_log() {
  auto logger = spdlog::get("mail");
  if (!logger) {
    std::lock_guard lock(g_mutex);
    logger = spdlog::get("mail");
    if (!logger) {
      logger = make_logger("mail", LogFormat::text);
      spdlog::register_logger(logger);
    }
  }
  return *logger;
}

}  // namespace stsrelay::core
