# Per-layer include roots: the build enforces design.md's layering.
#
# Code includes headers as "layer/file.hpp" (common, apdu, crypto,
# card-drivers, pcsc, pkcs11). There is no include path to src/ itself:
# tessera_layer(TARGET LAYER) makes the folder ${CMAKE_BINARY_DIR}/layers/LAYER
# hold one symbolic link, LAYER -> src/LAYER, and puts that folder on TARGET's
# PUBLIC include path. So a target sees its own headers and those of the
# targets it links (they propagate with target_link_libraries), nothing else:
# a driver does not link tessera_pkcs11_core or tessera_pcsc, so
# #include "pkcs11/..." or "pcsc/..." in a driver fails to compile.
# tests/style/check_layers.sh checks the same rule on the sources.
function(tessera_layer target layer)
  set(root ${CMAKE_BINARY_DIR}/layers/${layer})
  if(NOT IS_SYMLINK ${root}/${layer})
    file(MAKE_DIRECTORY ${root})
    file(CREATE_LINK ${CMAKE_SOURCE_DIR}/src/${layer} ${root}/${layer} SYMBOLIC)
  endif()
  target_include_directories(${target} PUBLIC ${root})
endfunction()
