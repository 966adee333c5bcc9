#include "src/app/check/check_report.hpp"

#include <algorithm>

#include <boost/json.hpp>

#include "src/core/enum_names.hpp"

namespace stsrelay::app {

namespace {
constexpr core::EnumNameList<CheckStatus::fail> kStatusNames{{"pass", "warn", "fail"}, "fail"};
}  // namespace

std::string_view to_string(CheckStatus status) { return kStatusNames.name(status); }

bool CheckReport::failed() const {
  return std::any_of(lines.begin(), lines.end(),
                     [](const CheckLine& l) { return l.status == CheckStatus::fail; });
}

int CheckReport::exit_status() const {
  if (!not_run.empty()) return 2;
  return failed() ? 1 : 0;
}

std::string CheckReport::verdict() const {
  if (!not_run.empty()) return "the check could not run: " + not_run;
  const auto count = [this](CheckStatus s) {
    return std::count_if(lines.begin(), lines.end(),
                         [s](const CheckLine& l) { return l.status == s; });
  };
  const auto plural = [](std::ptrdiff_t n, const char* word) {
    return std::to_string(n) + " " + word + (n == 1 ? "" : "s");
  };
  const auto fails = count(CheckStatus::fail);
  const auto warns = count(CheckStatus::warn);
  if (fails > 0) {
    return domain + " would not receive mail from a relay that enforces MTA-STS as it stands (" +
           plural(fails, "failure") + ", " + plural(warns, "warning") + ")";
  }
  return domain + " would receive mail from a relay that enforces MTA-STS (" +
         plural(warns, "warning") + ")";
}

std::string render_text(const CheckReport& report) {
  std::size_t width = 0;
  for (const CheckLine& l : report.lines) width = std::max(width, l.check.size());
  std::string out;
  for (const CheckLine& l : report.lines) {
    out += to_string(l.status);
    out += "  ";
    out += l.check;
    out.append(width - l.check.size() + 2, ' ');
    out += l.evidence;
    out += '\n';
  }
  out += report.exit_status() == 0 ? "ok: " : report.exit_status() == 1 ? "FAIL: " : "error: ";
  out += report.verdict();
  out += '\n';
  return out;
}

std::string render_json(const CheckReport& report) {
  boost::json::array checks;
  for (const CheckLine& l : report.lines) {
    checks.push_back(boost::json::object{{"check", l.check},
                                         {"status", std::string(to_string(l.status))},
                                         {"evidence", l.evidence}});
  }
  const int status = report.exit_status();
  boost::json::object o{{"domain", report.domain},
                        {"result", status == 0 ? "pass" : status == 1 ? "fail" : "error"},
                        {"exit_status", status},
                        {"verdict", report.verdict()},
                        {"checks", std::move(checks)}};
  return boost::json::serialize(o) + "\n";
}

}  // namespace stsrelay::app
