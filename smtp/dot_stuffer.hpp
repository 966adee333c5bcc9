// The DATA content on the wire (RFC 5321 §4.5.2): a line that begins with "." gets one more
// "."; every line ends in CRLF; the end is ".\r\n" on a line of its own. Incremental, so a large
// message goes out in blocks, each with its own "data block" timeout (§4.5.3.2.6).
//
// The stored content already has CRLF line endings. A bare CR or bare LF that slipped through
// is sent as CRLF, never as is: RFC 5321 §2.3.8 forbids them, and a receiver that reads "\n.\n"
// as the end of data could be made to see a second, smuggled message. A last line without CRLF
// is completed before the final ".".
#pragma once

#include <string>
#include <string_view>

namespace stsrelay::smtp {

class DotStuffer {
 public:
  // Appends the wire form of the next `chunk` of content to `out`.
  void feed(std::string_view chunk, std::string& out);
  // Ends the last line if needed and appends ".\r\n".
  void finish(std::string& out);

 private:
  void end_line(std::string& out);

  bool line_start_ = true;
  bool pending_cr_ = false;  // the previous chunk ended in CR: is it CRLF or a bare CR?
};

// The whole content at once.
std::string dot_stuff(std::string_view content);

}  // namespace stsrelay::smtp
