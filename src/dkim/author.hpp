// The author of a message as DKIM signing sees it: the one mailbox of its one RFC 5322 From:
// field (§3.6.2, address syntax §3.4). A relay signs only mail whose author it can name without
// doubt: a From: with two mailboxes, an empty group, a domain literal or two From: fields have
// no single author domain, and DMARC would judge such mail apart anyway (RFC 7489 §6.6.1).
// Pure.
#pragma once

#include <string>
#include <string_view>

#include "src/core/result.hpp"

namespace stsrelay::dkim {

// The domain of the single mailbox in a From: field's value (the text after "From:", folding
// and all): "Shop <orders@Example.COM>" gives "example.com", normalised as
// core::normalize_domain does (lower case, A-labels). Quoted strings, comments (nested) and
// groups are understood. Errors say why there is no single author domain.
core::Result<std::string> author_domain(std::string_view from_value);

}  // namespace stsrelay::dkim
