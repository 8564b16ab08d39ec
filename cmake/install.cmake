# Install and uninstall rules (paths: cmake/install_paths.cmake).
# The configuration file is installed only where none exists, so a
# reinstall keeps the user's settings; `make uninstall` removes it only when
# it is still the shipped file (dpkg's conffile rule).
configure_file(${PROJECT_SOURCE_DIR}/conf/tessera.module.in ${PROJECT_BINARY_DIR}/conf/tessera.module @ONLY)
install(FILES ${PROJECT_BINARY_DIR}/conf/tessera.module DESTINATION ${TESSERA_P11KIT_CONFIG_DIR})
install(CODE "
  set(conf \"\$ENV{DESTDIR}${TESSERA_CONFIG_FILE}\")
  if(EXISTS \"\${conf}\")
    message(STATUS \"Keeping: \${conf} (exists; the shipped one is ${PROJECT_SOURCE_DIR}/conf/tessera.conf)\")
  else()
    file(INSTALL DESTINATION \"${CMAKE_INSTALL_FULL_SYSCONFDIR}/tessera\" TYPE FILE
         PERMISSIONS OWNER_READ OWNER_WRITE GROUP_READ WORLD_READ
         FILES \"${PROJECT_SOURCE_DIR}/conf/tessera.conf\")
  endif()")
configure_file(${PROJECT_SOURCE_DIR}/cmake/uninstall.cmake.in ${PROJECT_BINARY_DIR}/cmake_uninstall.cmake @ONLY)
add_custom_target(uninstall COMMAND ${CMAKE_COMMAND} -P ${PROJECT_BINARY_DIR}/cmake_uninstall.cmake
                  COMMENT "Removing what `cmake --install` put in place (install_manifest.txt)")
