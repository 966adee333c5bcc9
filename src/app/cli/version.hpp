// The version of stsrelay, from CMake's project(VERSION ...).
#pragma once

#include <string_view>

namespace stsrelay::app {

std::string_view version();

}  // namespace stsrelay::app
