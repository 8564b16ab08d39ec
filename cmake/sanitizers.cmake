# Sanitizer builds (issue 5, hardening): -DTESSERA_SANITIZE=address,undefined
# or -DTESSERA_SANITIZE=thread instruments every target, the module
# tessera-pkcs11.so included. Any report is fatal (-fno-sanitize-recover=all),
# so a UBSan finding fails the test that triggered it. `make check-sanitizers`
# drives these builds (tests/sanitizers/run.sh).
#
# A sanitized module loaded by an unsanitized host (pkcs11-tool, python3, ssh)
# needs the runtime preloaded: TESSERA_SANITIZER_PRELOAD is the runtime's path
# (empty when none is needed), and tests/sandbox.cmake puts it in LD_PRELOAD
# of the sandboxed tests.
include_guard(GLOBAL)

set(TESSERA_SANITIZE "" CACHE STRING
    "Sanitizers for every target: empty, address,undefined or thread")
set_property(CACHE TESSERA_SANITIZE PROPERTY STRINGS "" "address,undefined" "thread")
set(TESSERA_SANITIZER_PRELOAD "")
set(TESSERA_SANITIZER_HOST_ENVIRONMENT "")

if(TESSERA_SANITIZE)
  string(REPLACE "," ";" _tessera_sanitizers "${TESSERA_SANITIZE}")
  foreach(s IN LISTS _tessera_sanitizers)
    if(NOT s MATCHES "^(address|undefined|thread)$")
      message(FATAL_ERROR "TESSERA_SANITIZE: unknown sanitizer '${s}'")
    endif()
  endforeach()
  if("thread" IN_LIST _tessera_sanitizers AND "address" IN_LIST _tessera_sanitizers)
    message(FATAL_ERROR "TESSERA_SANITIZE: thread and address cannot be combined")
  endif()

  set(_tessera_san_flags -fsanitize=${TESSERA_SANITIZE} -fno-omit-frame-pointer
      -fno-sanitize-recover=all)
  add_compile_options(${_tessera_san_flags})
  add_link_options(-fsanitize=${TESSERA_SANITIZE})

  # Which runtime a host process must preload to dlopen() the module.
  if("address" IN_LIST _tessera_sanitizers)
    set(_tessera_runtime libasan.so)
  elseif("thread" IN_LIST _tessera_sanitizers)
    set(_tessera_runtime libtsan.so)
  elseif("undefined" IN_LIST _tessera_sanitizers)
    set(_tessera_runtime libubsan.so)
  endif()
  execute_process(COMMAND ${CMAKE_CXX_COMPILER} -print-file-name=${_tessera_runtime}
                  OUTPUT_VARIABLE _tessera_runtime_path OUTPUT_STRIP_TRAILING_WHITESPACE)
  if(NOT IS_ABSOLUTE "${_tessera_runtime_path}" OR NOT EXISTS "${_tessera_runtime_path}")
    message(FATAL_ERROR "TESSERA_SANITIZE: ${CMAKE_CXX_COMPILER} has no ${_tessera_runtime}")
  endif()
  get_filename_component(_tessera_runtime_path "${_tessera_runtime_path}" REALPATH)

  # The sandboxed tests' environment (tests/sandbox.cmake). Host processes in
  # the sandbox (bash, pcscd, pkcs11-tool, python3, ssh...) are not ours: their
  # own leaks at exit are not checked (detect_leaks=0), memory errors are. Our
  # own instrumented executables are leak-checked where they run outside this
  # environment (tests/sanitizers/run.sh). TSan builds preload nothing: only
  # our instrumented executables load the module there.
  # Every report also goes to a file in BUILD/sanitizer-reports/ (log_path), so
  # that a report from a process whose failure a test expected still fails
  # the run (tests/sanitizers/run.sh checks the directory).
  set(_reports ${PROJECT_BINARY_DIR}/sanitizer-reports)
  file(MAKE_DIRECTORY ${_reports})
  set(_ubsan "UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1:log_path=${_reports}/ubsan:suppressions=${PROJECT_SOURCE_DIR}/tests/sanitizers/ubsan.supp")
  # libstdc++ is preloaded after the runtime: ASan intercepts __cxa_throw and
  # looks up the real one once, at start-up; in a C host (pkcs11-tool, python3)
  # libstdc++ arrives only with the module's dlopen(), too late, and the first
  # exception thrown then fails "CHECK failed: ... real___cxa_throw != 0".
  execute_process(COMMAND ${CMAKE_CXX_COMPILER} -print-file-name=libstdc++.so
                  OUTPUT_VARIABLE _tessera_libstdcxx OUTPUT_STRIP_TRAILING_WHITESPACE)
  get_filename_component(_tessera_libstdcxx "${_tessera_libstdcxx}" REALPATH)
  if("address" IN_LIST _tessera_sanitizers)
    set(TESSERA_SANITIZER_PRELOAD "${_tessera_runtime_path}:${_tessera_libstdcxx}")
    set(TESSERA_SANITIZER_HOST_ENVIRONMENT
        "LD_PRELOAD=${TESSERA_SANITIZER_PRELOAD}"
        "ASAN_OPTIONS=detect_leaks=0:abort_on_error=1:log_path=${_reports}/asan:suppressions=${PROJECT_SOURCE_DIR}/tests/sanitizers/asan-host.supp"
        "${_ubsan}")
  elseif("undefined" IN_LIST _tessera_sanitizers AND NOT "thread" IN_LIST _tessera_sanitizers)
    set(TESSERA_SANITIZER_PRELOAD "${_tessera_runtime_path}")
    set(TESSERA_SANITIZER_HOST_ENVIRONMENT "LD_PRELOAD=${TESSERA_SANITIZER_PRELOAD}" "${_ubsan}")
  endif()
  message(STATUS "Sanitizers: ${TESSERA_SANITIZE} (host preload: ${TESSERA_SANITIZER_PRELOAD})")
endif()
