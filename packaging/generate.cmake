# Runs at install time (install(SCRIPT) in packaging/CMakeLists.txt), before the files it
# writes are installed: so `cpack` and `cmake --install` always package the current sources
# and nothing needs building first. Needs CAMFENCE_SOURCE_DIR, CAMFENCE_GENERATED_DIR and
# CAMFENCE_DEFAULT_CATALOG, set by install(CODE) just before.
#   policy.yaml   config/policy.yaml without its `catalog:` line, which names a file next to
#                 the policy in the source tree; installed, the default catalog applies
#   *.gz          the man pages and the changelog, compressed the way Debian wants (gzip -9n:
#                 no name, no timestamp, so the package is reproducible)
foreach(var CAMFENCE_SOURCE_DIR CAMFENCE_GENERATED_DIR CAMFENCE_DEFAULT_CATALOG)
  if(NOT DEFINED ${var})
    message(FATAL_ERROR "packaging/generate.cmake: ${var} is not set")
  endif()
endforeach()
file(MAKE_DIRECTORY "${CAMFENCE_GENERATED_DIR}")

file(READ "${CAMFENCE_SOURCE_DIR}/config/policy.yaml" policy)
# A leading newline lets one pattern find the key on any line, the first included.
string(REGEX REPLACE
  "\ncatalog:[^\n]*"
  "\n# catalog: not given, so the packaged catalog applies: ${CAMFENCE_DEFAULT_CATALOG}"
  policy "\n${policy}")
string(SUBSTRING "${policy}" 1 -1 policy)
if(policy MATCHES "\ncatalog:" OR policy MATCHES "^catalog:")
  message(FATAL_ERROR "packaging/generate.cmake: could not remove the catalog line of config/policy.yaml")
endif()
file(WRITE "${CAMFENCE_GENERATED_DIR}/policy.yaml" "${policy}")

set(gzipped
  "packaging/man/camfenced.8"
  "packaging/man/camfencectl.8"
  "packaging/man/camfence.yaml.5"
  "packaging/changelog")
foreach(source IN LISTS gzipped)
  get_filename_component(name "${source}" NAME)
  execute_process(
    COMMAND gzip -9 -n -c "${CAMFENCE_SOURCE_DIR}/${source}"
    OUTPUT_FILE "${CAMFENCE_GENERATED_DIR}/${name}.gz"
    RESULT_VARIABLE status)
  if(NOT status EQUAL 0)
    message(FATAL_ERROR "packaging/generate.cmake: gzip ${source} failed: ${status}")
  endif()
endforeach()
