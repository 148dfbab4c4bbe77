// Files embedded in the binaries at build time (cmake/EmbedFiles.cmake): name -> content.
#pragma once

#include <span>
#include <string_view>
#include <utility>

namespace dsptsync::embedded {
std::span<const std::pair<std::string_view, std::string_view>> embedded_files();
}
