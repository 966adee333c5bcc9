// Logging set-up. Two loggers: "stsrelay" (the default logger, operational messages) and "mail"
// (one stable key=value line per accepted message and per delivery attempt, the lines mail
// administrators grep). Both write to stderr in text or JSON lines.
#pragma once

#include <memory>
#include <string>
#include <string_view>

namespace spdlog { class logger; }

namespace stsrelay::core {

enum class LogFormat { text, json };

// Creates (or re-creates) both loggers. `level` is an spdlog level name ("trace", "debug",
// "info", "warn", "error", "critical", "off"); returns false for an unknown name.
bool setup_logging(std::string_view level, LogFormat format);

// Changes the level of both loggers (SIGHUP reload). Returns false for an unknown name.
bool set_log_level(std::string_view level);

// The "mail" logger (created on first use with defaults if setup_logging was not called).
spdlog::logger& mail_log();

}  // namespace stsrelay::core
