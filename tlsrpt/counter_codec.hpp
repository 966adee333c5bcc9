// Counters as text, for the places that store them whole: a policy's lines and mx patterns as a
// JSON array of strings (tlsrpt.db and the shared tables, where it keeps any line unambiguous),
// and a whole batch of counters as one JSON document (the cluster spool, which keeps batches
// until the shared database has them). Pure; decode(encode(c)) == c.
#pragma once

#include <string>
#include <vector>

#include "src/core/result.hpp"
#include "tlsrpt/counters.hpp"

namespace stsrelay::tlsrpt {

std::string encode_lines(const std::vector<std::string>& lines);
core::Result<std::vector<std::string>> decode_lines(const std::string& text);

std::string encode_counters(const Counters& counters);
core::Result<Counters> decode_counters(std::string_view text);

}  // namespace stsrelay::tlsrpt
