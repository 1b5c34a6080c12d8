// The web console's built files (services/console/web), embedded in the
// binary at build time (cmake/embed_console.cmake): clinics' intranets may be
// offline, so nothing is fetched at run time.
#pragma once

#include <string_view>
#include <vector>

namespace screening::console {

struct Asset {
  std::string_view path;          // "/app.js"
  std::string_view content_type;  // "text/javascript; charset=utf-8"
  std::string_view bytes;
  // The same bytes compressed at build time (services/console/web/build.mjs).
  std::string_view brotli, gzip;
};

const std::vector<Asset>& ConsoleAssets();

}  // namespace screening::console
