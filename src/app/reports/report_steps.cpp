#include "src/app/reports/report_steps.hpp"

namespace stsrelay::app {

std::string_view to_string(StoredState state) {
  switch (state) {
    case StoredState::none: return "none";
    case StoredState::unfinished: return "unfinished";
    case StoredState::built: return "built";
  }
  return "none";
}

std::string_view to_string(BuildStep step) {
  return step == BuildStep::build ? "build" : "continue_stored";
}

bool wants_report(bool fleet, bool again, StoredState stored) {
  if (again) return true;
  // A fleet's day run leaves a built report to the send run, which continues its deliveries
  // (and takes its lease over when its node died); a half-built one still needs its builder.
  if (fleet) return stored != StoredState::built;
  return stored == StoredState::none;
}

BuildStep build_step(bool fleet, StoredState stored) {
  if (fleet && stored == StoredState::built) return BuildStep::continue_stored;
  return BuildStep::build;
}

}  // namespace stsrelay::app
