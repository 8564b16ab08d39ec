# tessera_sandbox_test(): register a test that runs inside
# scripts/with-virtual-cards (a private pcscd with virtual cards; see
# design.md, "Entry points"). Sandboxes are isolated from each other (own
# mount and network namespaces), so these tests run in parallel.
#
#   tessera_sandbox_test(NAME name COMMAND cmd [args...]
#                        [ARGS harness-args...]   e.g. --piv=plain --openpgp=none
#                        [ENVIRONMENT VAR=value...] [LABELS label...]
#                        [TIMEOUT seconds] [WORKING_DIRECTORY dir])
#
# The harness runs against this build tree and never builds (ctest runs after
# the build); a failing test prints the tail of the sandbox's logs.
include_guard(GLOBAL)

# (global: include_guard would leave plain variables in the first includer's
# directory scope only)
set(TESSERA_WITH_VIRTUAL_CARDS ${PROJECT_SOURCE_DIR}/scripts/with-virtual-cards
    CACHE INTERNAL "the sandbox harness")
# In a sanitizer build, TESSERA_SANITIZER_HOST_ENVIRONMENT (cmake/sanitizers.cmake)
# preloads the runtime into the host tools that load the sanitized module.
set(TESSERA_SANDBOX_TEST_ENVIRONMENT
    "TESSERA_BUILD_DIR=${PROJECT_BINARY_DIR};TESSERA_NO_BUILD=1;TESSERA_DUMP_LOGS=1;${TESSERA_SANITIZER_HOST_ENVIRONMENT}"
    CACHE INTERNAL "environment of sandboxed tests")

function(tessera_sandbox_test)
  cmake_parse_arguments(PARSE_ARGV 0 T "" "NAME;TIMEOUT;WORKING_DIRECTORY"
                        "COMMAND;ARGS;ENVIRONMENT;LABELS")
  if(NOT T_NAME OR NOT T_COMMAND)
    message(FATAL_ERROR "tessera_sandbox_test: NAME and COMMAND are required")
  endif()
  if(NOT T_TIMEOUT)
    set(T_TIMEOUT 180)
  endif()
  if(NOT T_WORKING_DIRECTORY)
    set(T_WORKING_DIRECTORY ${CMAKE_CURRENT_BINARY_DIR})
  endif()
  add_test(NAME ${T_NAME}
           COMMAND ${TESSERA_WITH_VIRTUAL_CARDS} ${T_ARGS} -- ${T_COMMAND}
           WORKING_DIRECTORY ${T_WORKING_DIRECTORY})
  set_tests_properties(${T_NAME} PROPERTIES
    ENVIRONMENT "${TESSERA_SANDBOX_TEST_ENVIRONMENT};${T_ENVIRONMENT}"
    TIMEOUT ${T_TIMEOUT}
    LABELS "sandbox;${T_LABELS}")
endfunction()

# A test that drives the harness itself (not run inside a sandbox), with the
# same environment.
function(tessera_harness_test)
  cmake_parse_arguments(PARSE_ARGV 0 T "" "NAME;TIMEOUT" "COMMAND;ENVIRONMENT;LABELS")
  if(NOT T_TIMEOUT)
    set(T_TIMEOUT 180)
  endif()
  add_test(NAME ${T_NAME} COMMAND ${T_COMMAND} WORKING_DIRECTORY ${CMAKE_CURRENT_BINARY_DIR})
  set_tests_properties(${T_NAME} PROPERTIES
    ENVIRONMENT "${TESSERA_SANDBOX_TEST_ENVIRONMENT};TESSERA_SOURCE_DIR=${PROJECT_SOURCE_DIR};${T_ENVIRONMENT}"
    TIMEOUT ${T_TIMEOUT}
    LABELS "sandbox;${T_LABELS}")
endfunction()

# tessera_register_sandbox_scripts(PREFIX DIR [EXCLUDE regex])
# Every DIR/*.sh becomes the sandboxed test PREFIX_<name>, run with bash.
# Lines near the top of a script may set:
#   # sandbox-args: --piv-reader-name="Yubico YubiKey" --openpgp=none
#   # sandbox-timeout: 300
#   # sandbox-labels: slow;firefox
# New scripts are picked up at the next build (CONFIGURE_DEPENDS).
function(tessera_register_sandbox_scripts prefix dir)
  cmake_parse_arguments(PARSE_ARGV 2 R "" "EXCLUDE" "")
  file(GLOB scripts CONFIGURE_DEPENDS ${dir}/*.sh)
  list(SORT scripts)
  foreach(script IN LISTS scripts)
    get_filename_component(stem ${script} NAME_WE)
    if(R_EXCLUDE AND stem MATCHES "${R_EXCLUDE}")
      continue()
    endif()
    file(STRINGS ${script} header LIMIT_COUNT 30)
    set(args "")
    set(timeout "")
    set(labels "")
    foreach(line IN LISTS header)
      if(line MATCHES "^#[ \t]*sandbox-args:[ \t]*(.*)$")
        separate_arguments(args UNIX_COMMAND "${CMAKE_MATCH_1}")
      elseif(line MATCHES "^#[ \t]*sandbox-timeout:[ \t]*([0-9]+)")
        set(timeout TIMEOUT ${CMAKE_MATCH_1})
      elseif(line MATCHES "^#[ \t]*sandbox-labels:[ \t]*(.*)$")
        set(labels ${CMAKE_MATCH_1})
      endif()
    endforeach()
    tessera_sandbox_test(NAME ${prefix}_${stem} COMMAND /bin/bash ${script}
                         ${timeout} ARGS ${args} LABELS ${prefix} ${labels})
  endforeach()
endfunction()
