#include "src/core/result.hpp"

namespace stsrelay::core {

std::string_view to_string(ErrorKind kind) {
  switch (kind) {
    case ErrorKind::invalid: return "invalid";
    case ErrorKind::not_found: return "not-found";
    case ErrorKind::temporary: return "temporary";
    case ErrorKind::permanent: return "permanent";
    case ErrorKind::no_space: return "no-space";
  }
  return "unknown";
}

}  // namespace stsrelay::core
