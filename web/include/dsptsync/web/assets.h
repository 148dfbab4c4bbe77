// The web app's files, embedded in the binaries at build time (web/CMakeLists.txt): our pages from
// web/app/ and the NHS design system's CSS, JavaScript and images from the nhsuk-frontend npm
// package. Nothing is read from disk and no Node runs at run time.
#pragma once

#include <string_view>

namespace dsptsync::web {

struct Asset {
  std::string_view path;          // as requested: "/index.html", "/vendor/nhsuk-frontend.min.css"
  std::string_view content_type;  // from the extension
  std::string_view bytes;
  std::string_view etag;          // a hash of the bytes, quoted
};

// The file served at `path`, or null.
const Asset* find_asset(std::string_view path);

}  // namespace dsptsync::web
