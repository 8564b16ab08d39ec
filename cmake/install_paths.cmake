# Where `cmake --install` puts things (README, "Installing"), computed once so
# the module, the p11-kit module file and the `tessera` command agree:
#   module       <libdir>/pkcs11/tessera-pkcs11.so   (Debian: /usr/lib/<triplet>/pkcs11)
#   p11-kit file p11-kit's p11_module_configs        (/usr/share/p11-kit/modules)
#   config       <sysconfdir>/tessera/tessera.conf   (/etc/tessera/tessera.conf)
#   command      <bindir>/tessera
# With a prefix other than /usr, p11-kit's directory lies outside it; the
# module file then goes to <datadir>/p11-kit/modules unless
# TESSERA_P11KIT_CONFIG_DIR says otherwise (p11-kit will not see it there).
set(TESSERA_MODULE_DIR ${CMAKE_INSTALL_LIBDIR}/pkcs11)
set(TESSERA_INSTALLED_MODULE ${CMAKE_INSTALL_FULL_LIBDIR}/pkcs11/tessera-pkcs11.so)
set(TESSERA_CONFIG_FILE ${CMAKE_INSTALL_FULL_SYSCONFDIR}/tessera/tessera.conf)
pkg_get_variable(TESSERA_P11KIT_SYSTEM_CONFIGS p11-kit-1 p11_module_configs)
if(TESSERA_P11KIT_SYSTEM_CONFIGS MATCHES "^${CMAKE_INSTALL_PREFIX}/")
  set(p11kit_default ${TESSERA_P11KIT_SYSTEM_CONFIGS})
else()
  set(p11kit_default ${CMAKE_INSTALL_FULL_DATADIR}/p11-kit/modules)
endif()
set(TESSERA_P11KIT_CONFIG_DIR ${p11kit_default} CACHE PATH "Where the p11-kit module file is installed")
