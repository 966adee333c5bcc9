// The report of `stsrelay check DOMAIN`: one line per check with pass, warn or fail and the
// evidence, a verdict, and the exit status. Pure: the findings (check_findings.hpp) fill it, the
// CLI prints it.
//
// The verdict answers "would this domain receive mail from a relay that enforces MTA-STS?":
// yes (exit 0) when no check failed; no (exit 1) when one did, each fail line saying what
// stops the mail; exit 2 when the check could not run at all (no answer from DNS for the TXT
// record, a configuration that cannot be used), because then nothing is known.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace stsrelay::app {

enum class CheckStatus { pass, warn, fail };
std::string_view to_string(CheckStatus status);  // "pass", "warn", "fail"

struct CheckLine {
  std::string check;     // what was checked: "txt", "policy-fetch", "mx mx1.example.com", ...
  CheckStatus status = CheckStatus::pass;
  std::string evidence;  // what was seen, in words an administrator can act on
  friend bool operator==(const CheckLine&, const CheckLine&) = default;
};

struct CheckReport {
  std::string domain;
  std::vector<CheckLine> lines;
  // Set when the check itself could not run to the end (exit 2): why.
  std::string not_run;

  void add(std::string check, CheckStatus status, std::string evidence) {
    lines.push_back({std::move(check), status, std::move(evidence)});
  }
  bool failed() const;
  int exit_status() const;  // 0, 1 or 2 as above
  std::string verdict() const;
};

// "pass  txt           v=STSv1; id=20240101 ..." lines, then the verdict line.
std::string render_text(const CheckReport& report);

// {"domain": ..., "result": "pass"|"fail"|"error", "exit_status": n, "verdict": ...,
//  "checks": [{"check": ..., "status": ..., "evidence": ...}, ...]}
std::string render_json(const CheckReport& report);

}  // namespace stsrelay::app
