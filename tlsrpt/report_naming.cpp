#include "tlsrpt/report_naming.hpp"

#include <cstdint>
#include <cstdio>

namespace stsrelay::tlsrpt {
namespace {

// FNV-1a, 64 bits: stable across builds and platforms, which std::hash is not.
std::string name_hash(Day day, std::string_view policy_domain, std::string_view submitter) {
  std::uint64_t h = 0xcbf29ce484222325ULL;
  auto feed = [&h](std::string_view s) {
    for (unsigned char c : s) {
      h ^= c;
      h *= 0x100000001b3ULL;
    }
    h ^= 0xff;  // a separator no name holds, so ("ab","c") and ("a","bc") differ
    h *= 0x100000001b3ULL;
  };
  feed(format_day(day));
  feed(policy_domain);
  feed(submitter);
  char buf[17];
  std::snprintf(buf, sizeof buf, "%016llx", static_cast<unsigned long long>(h));
  return buf;
}

}  // namespace

std::string make_report_id(Day day, std::string_view policy_domain, std::string_view submitter) {
  return format_day(day) + "." + std::string(policy_domain) + "." +
         name_hash(day, policy_domain, submitter) + "@" + std::string(submitter);
}

std::string report_filename(Day day, std::string_view policy_domain, std::string_view submitter) {
  return std::string(submitter) + "!" + std::string(policy_domain) + "!" +
         std::to_string(core::to_unix(day_begin(day))) + "!" +
         std::to_string(core::to_unix(day_end(day))) + "!" +
         name_hash(day, policy_domain, submitter) + ".json.gz";
}

std::string report_subject(std::string_view policy_domain, std::string_view submitter,
                           std::string_view report_id) {
  return "Report Domain: " + std::string(policy_domain) + " Submitter: " +
         std::string(submitter) + " Report-ID: <" + std::string(report_id) + ">";
}

}  // namespace stsrelay::tlsrpt
