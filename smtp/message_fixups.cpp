#include "smtp/message_fixups.hpp"

#include <algorithm>

#include "smtp/received_header.hpp"
#include "src/core/ascii.hpp"

namespace stsrelay::smtp {
namespace {

// RFC 5322 §2.2: a field name is printable US-ASCII but ':'; obsolete syntax (§4.5) allows
// white space before the colon.
std::string_view field_name(std::string_view line) {
  std::size_t i = 0;
  while (i < line.size() && core::is_vchar(line[i]) && line[i] != ':') ++i;
  const std::size_t name_end = i;
  while (i < line.size() && core::is_wsp(line[i])) ++i;
  if (name_end == 0 || i >= line.size() || line[i] != ':') return {};
  return line.substr(0, name_end);
}

struct Field {
  std::string_view name;
  std::string_view text;  // every line of the field, CRLFs included
};

// The top-level header: the fields before the first line that is no field and no continuation
// (normally the empty line). `end` is where the header stops.
struct HeaderBlock {
  std::vector<Field> fields;
  std::size_t end = 0;
};

HeaderBlock read_header(std::string_view message) {
  HeaderBlock block;
  std::size_t pos = 0;
  while (pos < message.size()) {
    std::size_t eol = message.find("\r\n", pos);
    const std::size_t next = eol == std::string_view::npos ? message.size() : eol + 2;
    const std::string_view line = message.substr(pos, next - pos);
    if (core::is_wsp(line.front()) && !block.fields.empty()) {
      Field& last = block.fields.back();
      last.text = std::string_view(last.text.data(), last.text.size() + line.size());
    } else {
      const std::string_view name = field_name(line);
      if (name.empty()) break;
      block.fields.push_back({name, line});
    }
    pos = next;
  }
  block.end = pos;
  return block;
}

bool has_field(const HeaderBlock& block, std::string_view name) {
  return std::any_of(block.fields.begin(), block.fields.end(),
                     [&](const Field& f) { return core::iequals(f.name, name); });
}

// The names in the h= tags of the message's DKIM-Signature fields (RFC 6376 §3.5), lower case.
std::vector<std::string> dkim_signed_names(const HeaderBlock& block) {
  std::vector<std::string> names;
  for (const Field& f : block.fields) {
    if (!core::iequals(f.name, "DKIM-Signature")) continue;
    std::string value;
    for (char c : f.text.substr(f.text.find(':') + 1)) {
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

bool FixupReport::changed() const { return !added_headers.empty(); }

std::string FixupReport::describe() const {
  std::string out;
  if (!added_headers.empty()) {
    out = "added ";
    for (std::size_t i = 0; i < added_headers.size(); ++i) {
      if (i > 0) out += ", ";
      out += added_headers[i];
    }
  }
  return out;
}

std::vector<std::pair<std::string, std::string>> missing_header_lines(
    std::string_view message, const FixupContext& context) {
  std::vector<std::pair<std::string, std::string>> lines;
  if (!context.add_missing_headers) return lines;
  const HeaderBlock block = read_header(message);
  const std::vector<std::string> signed_names = dkim_signed_names(block);
  const auto wanted = [&](std::string_view name) {
    return !has_field(block, name) &&
           std::find(signed_names.begin(), signed_names.end(), core::to_lower_ascii(name)) ==
               signed_names.end();
  };
  if (wanted("Date")) {
    lines.emplace_back("Date", "Date: " + format_rfc5322_date(context.accepted_at) + "\r\n");
  }
  if (wanted("Message-ID")) {
    lines.emplace_back("Message-ID", "Message-ID: <" + context.queue_id + "." + context.unique +
                                         "@" + context.hostname + ">\r\n");
  }
  return lines;
}

FixedMessage apply_fixups(std::string message, const FixupContext& context) {
  FixedMessage out;
  const auto missing = missing_header_lines(message, context);
  if (!missing.empty()) {
    const std::size_t end = read_header(message).end;
    std::string added;
    for (const auto& [name, line] : missing) {
      out.report.added_headers.push_back(name);
      added += line;
    }
    // A header that ends without the empty line before a body (a client that sent text
    // right after its fields, or no fields at all) gets one, so the body stays the body.
    const bool body_follows = end < message.size() && message.compare(end, 2, "\r\n") != 0;
    if (body_follows) added += "\r\n";
    message.insert(end, added);
  }
  out.message = std::move(message);
  return out;
}

}  // namespace stsrelay::smtp
