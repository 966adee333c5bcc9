#include <array>
#include <utility>

#include "queue/store.hpp"

namespace stsrelay::queue {
namespace {

// The words are the ones `stsrelay queue list` prints and the schema's CHECK constraint allows.
constexpr std::array<std::pair<RecipientState, std::string_view>, 5> kNames{{
    {RecipientState::queued, "queued"},
    {RecipientState::deferred, "deferred"},
    {RecipientState::delivered, "delivered"},
    {RecipientState::bounced, "bounced"},
    {RecipientState::dry_run, "dry-run"},
}};

}  // namespace

std::string_view to_string(RecipientState state) {
  for (const auto& [value, name] : kNames) {
    if (value == state) return name;
  }
  return "unknown";
}

std::optional<RecipientState> parse_recipient_state(std::string_view text) {
  for (const auto& [value, name] : kNames) {
    if (name == text) return value;
  }
  return std::nullopt;
}

bool is_pending(RecipientState state) {
  return state == RecipientState::queued || state == RecipientState::deferred;
}

}  // namespace stsrelay::queue
