// sts::printable is core::printable (src/core/log_quote.hpp), named into this namespace for the
// sts files that still spell it unqualified; new code includes src/core/log_quote.hpp.
#pragma once

#include "src/core/log_quote.hpp"

namespace stsrelay::sts {

using core::printable;

}  // namespace stsrelay::sts
