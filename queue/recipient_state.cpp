#include "queue/store.hpp"
#include "src/core/enum_names.hpp"

namespace stsrelay::queue {
namespace {

// The words are the ones `stsrelay queue list` prints and the schema's CHECK constraint allows.
constexpr core::EnumNameList<RecipientState::dry_run> kNames{
    {"queued", "deferred", "delivered", "bounced", "dry-run"}, "unknown"};

}  // namespace

std::string_view to_string(RecipientState state) { return kNames.name(state); }

std::optional<RecipientState> parse_recipient_state(std::string_view text) {
  return kNames.parse(text);
}

bool is_pending(RecipientState state) {
  return state == RecipientState::queued || state == RecipientState::deferred;
}

}  // namespace stsrelay::queue
