#include "src/app/reports/report_steps.hpp"

#include "src/core/enum_names.hpp"

namespace stsrelay::app {

namespace {

constexpr core::EnumNameList<StoredState::built> kStoredNames{{"none", "unfinished", "built"},
                                                              "none"};
constexpr core::EnumNameList<BuildStep::continue_stored> kStepNames{{"build", "continue_stored"},
                                                                    "build"};

}  // namespace

std::string_view to_string(StoredState state) { return kStoredNames.name(state); }

std::string_view to_string(BuildStep step) { return kStepNames.name(step); }

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

std::vector<std::string> destinations_to_restart(const std::vector<tlsrpt::ReportDelivery>& all,
                                                 bool again) {
  std::vector<std::string> out;
  if (!again) return out;
  for (const tlsrpt::ReportDelivery& d : all) {
    if (d.state != tlsrpt::DeliveryState::sent) out.push_back(d.uri);
  }
  return out;
}

}  // namespace stsrelay::app
