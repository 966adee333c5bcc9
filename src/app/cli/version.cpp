#include "src/app/cli/version.hpp"

#ifndef STSRELAY_VERSION
#error "STSRELAY_VERSION is set by CMakeLists.txt for stsrelay_app"
#endif

namespace stsrelay::app {

std::string_view version() { return STSRELAY_VERSION; }

}  // namespace stsrelay::app
