# Installs logz into a fresh prefix, builds examples/cpp against it with
# find_package(logz), runs the program and checks what it prints.
#
#   cmake -DBUILD_DIR=... -DSOURCE_DIR=... -DWORK_DIR=... -DGENERATOR=... -P find_package_test.cmake
foreach(variable BUILD_DIR SOURCE_DIR WORK_DIR GENERATOR)
  if(NOT DEFINED ${variable})
    message(FATAL_ERROR "define ${variable}")
  endif()
endforeach()

function(run_step what)
  execute_process(COMMAND ${ARGN} RESULT_VARIABLE status OUTPUT_VARIABLE out ERROR_VARIABLE err)
  if(NOT status EQUAL 0)
    message(FATAL_ERROR "${what} failed (${status}):\n${out}\n${err}")
  endif()
  set(step_output "${out}" PARENT_SCOPE)
endfunction()

file(REMOVE_RECURSE ${WORK_DIR})
set(prefix ${WORK_DIR}/prefix)
run_step("cmake --install" ${CMAKE_COMMAND} --install ${BUILD_DIR} --prefix ${prefix})
foreach(installed include/logz/models/bernoulli_rbm.hpp include/logz/math/random.hpp
                  lib/cmake/logz/logzConfig.cmake lib/cmake/logz/logzConfigVersion.cmake bin/logz
                  share/man/man1/logz.1 share/bash-completion/completions/logz)
  if(NOT EXISTS ${prefix}/${installed})
    message(FATAL_ERROR "the installation lacks ${installed}")
  endif()
endforeach()
file(GLOB_RECURSE cli_headers ${prefix}/include/logz/cli/*)
if(cli_headers)
  message(FATAL_ERROR "the command line's own headers were installed: ${cli_headers}")
endif()

run_step("configuring examples/cpp" ${CMAKE_COMMAND} -S ${SOURCE_DIR}/examples/cpp
         -B ${WORK_DIR}/build -G ${GENERATOR} -DCMAKE_PREFIX_PATH=${prefix})
run_step("building examples/cpp" ${CMAKE_COMMAND} --build ${WORK_DIR}/build)
run_step("running train_tiny_rbm" ${WORK_DIR}/build/train_tiny_rbm)
message(STATUS "train_tiny_rbm printed:\n${step_output}")

foreach(line "exact log Z = [0-9.]+" "AIS log Z = [0-9.]+ \\+/- [0-9.]+"
             "average log-likelihood = -[0-9.]+ nats")
  if(NOT step_output MATCHES "${line}")
    message(FATAL_ERROR "train_tiny_rbm did not print a line matching \"${line}\"")
  endif()
endforeach()
