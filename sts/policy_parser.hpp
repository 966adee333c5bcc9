// Parser of the MTA-STS policy file served at https://mta-sts.<domain>/.well-known/mta-sts.txt
// (RFC 8461 §3.2). Pure and safe on any input: bytes in, Policy or a reason out. The size cap is
// the fetcher's job; this parser is linear in its input and allocates only for kept lines.
#pragma once

#include <string_view>

#include "src/core/result.hpp"
#include "sts/policy.hpp"

namespace stsrelay::sts {

// Errors are ErrorKind::invalid with a message naming the line and the rule (for logs, for
// `stsrelay check`, and for the TLS-RPT result type `sts-policy-invalid`).
core::Result<Policy> parse_policy(std::string_view text);

}  // namespace stsrelay::sts
