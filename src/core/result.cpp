#include "src/core/result.hpp"

#include "src/core/enum_names.hpp"

namespace stsrelay::core {

namespace {
constexpr EnumNameList<ErrorKind::no_space> kKindNames{
    {"invalid", "not-found", "temporary", "permanent", "no-space"}, "unknown"};
}  // namespace

std::string_view to_string(ErrorKind kind) { return kKindNames.name(kind); }

}  // namespace stsrelay::core
