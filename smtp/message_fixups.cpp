#include "smtp/message_fixups.hpp"

#include <algorithm>

#include "smtp/mime_header.hpp"
#include "smtp/received_header.hpp"
#include "src/core/ascii.hpp"
#include "src/core/mail_date.hpp"

namespace stsrelay::smtp {
namespace {

bool has_field(const HeaderBlock& block, std::string_view name) {
  return find_field(block.fields, name) != nullptr;
}

// The names in the h= tags of the message's DKIM-Signature fields (RFC 6376 §3.5), lower case.
std::vector<std::string> dkim_signed_names(const HeaderBlock& block) {
  std::vector<std::string> names;
  for (const HeaderField& f : block.fields) {
    if (!core::iequals(f.name, "DKIM-Signature")) continue;
    std::string value;
    for (char c : f.value()) {
      if (c != '\r' && c != '\n' && !core::is_wsp(c)) value += c;
    }
    std::size_t pos = 0;
    while (pos <= value.size()) {
      std::size_t end = value.find(';', pos);
      if (end == std::string::npos) end = value.size();
      const std::string_view tag = std::string_view(value).substr(pos, end - pos);
      if (tag.substr(0, 2) == "h=") {
        std::string_view list = tag.substr(2);
        while (!list.empty()) {
          const std::size_t colon = std::min(list.find(':'), list.size());
          names.push_back(core::to_lower_ascii(list.substr(0, colon)));
          list.remove_prefix(std::min(colon + 1, list.size()));
        }
      }
      pos = end + 1;
    }
  }
  return names;
}

}  // namespace

bool FixupReport::changed() const {
  const LongLineReport unchanged_lines{long_lines.had_long_lines, long_lines.left_long_signed};
  return !added_headers.empty() || long_lines != unchanged_lines;
}

std::string FixupReport::describe() const {
  std::string out;
  if (!added_headers.empty()) {
    out = "added ";
    for (std::size_t i = 0; i < added_headers.size(); ++i) {
      if (i > 0) out += ", ";
      out += added_headers[i];
    }
  }
  if (long_lines.had_long_lines) {
    if (!out.empty()) out += "; ";
    out += smtp::describe(long_lines);
  }
  return out;
}

std::vector<std::pair<std::string, std::string>> missing_header_lines(
    std::string_view message, const FixupContext& context) {
  std::vector<std::pair<std::string, std::string>> lines;
  if (!context.add_missing_headers) return lines;
  const HeaderBlock block = parse_header(message);
  const std::vector<std::string> signed_names = dkim_signed_names(block);
  const auto wanted = [&](std::string_view name) {
    return !has_field(block, name) &&
           std::find(signed_names.begin(), signed_names.end(), core::to_lower_ascii(name)) ==
               signed_names.end();
  };
  if (wanted("Date")) {
    lines.emplace_back("Date", "Date: " + core::format_rfc5322_date(context.accepted_at) + "\r\n");
  }
  if (wanted("Message-ID")) {
    lines.emplace_back("Message-ID", "Message-ID: <" + context.queue_id + "." + context.unique +
                                         "@" + context.hostname + ">\r\n");
  }
  return lines;
}

FixedMessage apply_fixups(std::string message, const FixupContext& context) {
  FixedMessage out;
  // Long lines first: the headers added below are short, and the scan for fields then sees
  // the message as it will be stored.
  LongLineFix lines = fix_long_lines(message);
  out.report.long_lines = lines.report;
  if (lines.message) message = std::move(*lines.message);

  const auto missing = missing_header_lines(message, context);
  if (!missing.empty()) {
    const HeaderBlock block = parse_header(message);
    std::string added;
    for (const auto& [name, line] : missing) {
      out.report.added_headers.push_back(name);
      added += line;
    }
    // A header that ends without the empty line before a body (a client that sent text
    // right after its fields, or no fields at all) gets one, so the body stays the body.
    if (!block.has_separator && block.body_begin < message.size()) added += "\r\n";
    message.insert(block.header_end, added);
  }
  out.message = std::move(message);
  return out;
}

}  // namespace stsrelay::smtp
