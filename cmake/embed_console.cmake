# Turns the console's built assets (services/console/web, bundled by esbuild)
# into a C++ source, so screeningd serves them with no files, node or CDN beside
# it. Invoked at build time: cmake -DASSET_DIR=.. -DOUT=.. -P this.
set(entries "")
set(data "")
set(index 0)
# The bytes of `path` as a C++ array named `var`, appended to `data`; its
# size in `size_var`.
function(embed path var size_var)
  if(NOT EXISTS ${path})
    message(FATAL_ERROR "console asset ${path} is missing: build services/console/web")
  endif()
  file(READ ${path} hex HEX)
  string(LENGTH "${hex}" hex_length)
  math(EXPR size "${hex_length} / 2")
  # Adjacent literals of 2,000 bytes each, every byte escaped.
  string(REGEX REPLACE "([0-9a-f][0-9a-f])" "\\\\x\\1" escaped "${hex}")
  string(REGEX REPLACE "((\\\\x[0-9a-f][0-9a-f]){2000})" "\\1\"\n    \"" escaped "${escaped}")
  set(data "${data}constexpr char ${var}[] =\n    \"${escaped}\";\n" PARENT_SCOPE)
  set(${size_var} ${size} PARENT_SCOPE)
endfunction()
foreach(name index.html app.js app.css)
  embed(${ASSET_DIR}/${name} kAsset${index} size)
  embed(${ASSET_DIR}/${name}.br kAsset${index}Br br_size)
  embed(${ASSET_DIR}/${name}.gz kAsset${index}Gz gz_size)
  if(name MATCHES "\\.html$")
    set(type "text/html; charset=utf-8")
  elseif(name MATCHES "\\.js$")
    set(type "text/javascript; charset=utf-8")
  else()
    set(type "text/css; charset=utf-8")
  endif()
  string(APPEND entries "      {\"/${name}\", \"${type}\", std::string_view(kAsset${index}, ${size}),\n"
                        "       std::string_view(kAsset${index}Br, ${br_size}),\n"
                        "       std::string_view(kAsset${index}Gz, ${gz_size})},\n")
  math(EXPR index "${index} + 1")
endforeach()
file(WRITE ${OUT}.tmp
"// Generated from ${ASSET_DIR} by cmake/embed_console.cmake. Do not edit.\n"
"#include \"services/console/assets.h\"\n\n"
"namespace screening::console {\nnamespace {\n\n${data}\n}  // namespace\n\n"
"const std::vector<Asset>& ConsoleAssets() {\n"
"  static const std::vector<Asset> kAssets = {\n${entries}  };\n"
"  return kAssets;\n}\n\n}  // namespace screening::console\n")
file(COPY_FILE ${OUT}.tmp ${OUT} ONLY_IF_DIFFERENT)
