// Files of the kinds the policy library takes, made for tests. Each begins as its kind does (the
// library tells a file by its first bytes), then holds `marker`, which a test can look for in plain
// on disk or find again in an evidence pack, then `filler` bytes.
#pragma once

#include <cstddef>
#include <string>

namespace dsptsync::testing {

inline std::string pdf_with(const std::string& marker, std::size_t filler = 3000) {
  return "%PDF-1.7\n" + marker + std::string(filler, 'x') + "\n%%EOF";
}

inline std::string png_with(const std::string& marker, std::size_t filler = 2000) {
  return std::string("\x89PNG\r\n\x1a\n", 8) + std::string("\0\0\0\rIHDR", 8) + marker + std::string(filler, '\x07');
}

}  // namespace dsptsync::testing
