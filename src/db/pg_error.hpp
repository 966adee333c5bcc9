// The one mapping from PostgreSQL failures to core::Error, by SQLSTATE class (PostgreSQL
// documentation, Appendix A):
//   08 connection exception, 53 insufficient resources, 57 operator intervention (57014
//   statement timeout, 57P01 admin shutdown), 40 transaction rollback (serialization failure,
//   deadlock), 55P03 lock not available, no SQLSTATE at all (the connection broke)
//                                                      -> temporary (retry later)
//   23 integrity constraint violation, 22 data exception -> invalid
//   anything else (42 syntax/undefined table, 28 authorisation, ...) -> permanent
// Messages carry the SQLSTATE and the caller's context (the statement's first words), never the
// conninfo or a parameter value.
#pragma once

#include <string>
#include <string_view>

#include "src/core/result.hpp"

namespace stsrelay::db {

// How a caller should react to `sqlstate` (five characters; empty: no server answer); pure.
core::ErrorKind pg_error_kind(std::string_view sqlstate);

// "<context>: <libpq/server message> (SQLSTATE <five-character code>)".
core::Error pg_error(std::string_view sqlstate, std::string_view context,
                     std::string_view message);

// The first words of a statement, for contexts: enough to find it, short enough for a log line.
std::string pg_statement_context(std::string_view sql);

}  // namespace stsrelay::db
