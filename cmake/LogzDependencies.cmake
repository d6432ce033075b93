# The two dependencies of logz that ship no CMake package of their own, as
# imported targets. Included by the project and by the installed
# logzConfig.cmake, so that a program linking logz::core gets the same ones.
#
#   logz::openblas    OpenBLAS built with OpenMP (Debian: libopenblas-openmp-dev)
#   logz::random123   the Random123 headers (Debian: librandom123-dev)
#   logz::lbfgs       libLBFGS, Okazaki's C port of Nocedal's L-BFGS, the library
#                     plmc uses (Debian: liblbfgs-dev)
#
# OpenBLAS built with OpenMP: BLAS threads and logz's own OpenMP loops then
# share one thread pool. With the pthreads build the two pools spin-wait
# against each other on every switch between a GEMM and a fused kernel, which
# made training epochs 3-20x slower and erratic.
#
# Sets LOGZ_DEPENDENCIES_FOUND, LOGZ_DEPENDENCIES_MESSAGE (what is missing)
# and LOGZ_OPENBLAS_LIBRARY_DIR (for run paths).
set(LOGZ_DEPENDENCIES_FOUND TRUE)
set(LOGZ_DEPENDENCIES_MESSAGE "")
if(NOT TARGET logz::openblas)
  find_library(LOGZ_OPENBLAS_LIBRARY openblas
    PATHS /usr/lib/${CMAKE_LIBRARY_ARCHITECTURE}/openblas-openmp NO_DEFAULT_PATH)
  find_path(LOGZ_CBLAS_INCLUDE_DIR cblas.h
    PATHS /usr/include/${CMAKE_LIBRARY_ARCHITECTURE}/openblas-openmp NO_DEFAULT_PATH)
  if(LOGZ_OPENBLAS_LIBRARY AND LOGZ_CBLAS_INCLUDE_DIR)
    add_library(logz::openblas INTERFACE IMPORTED)
    set_target_properties(logz::openblas PROPERTIES
      INTERFACE_LINK_LIBRARIES "${LOGZ_OPENBLAS_LIBRARY}"
      INTERFACE_INCLUDE_DIRECTORIES "${LOGZ_CBLAS_INCLUDE_DIR}")
  else()
    set(LOGZ_DEPENDENCIES_FOUND FALSE)
    string(APPEND LOGZ_DEPENDENCIES_MESSAGE
      "logz needs OpenBLAS built with OpenMP: apt-get install libopenblas-openmp-dev. ")
  endif()
endif()
if(LOGZ_OPENBLAS_LIBRARY)
  # The soname libopenblas.so.0 would otherwise resolve to whichever variant
  # Debian's alternatives select; a run path to this folder pins the OpenMP one.
  get_filename_component(LOGZ_OPENBLAS_LIBRARY_DIR "${LOGZ_OPENBLAS_LIBRARY}" DIRECTORY)
endif()
if(NOT TARGET logz::random123)
  find_path(LOGZ_RANDOM123_INCLUDE_DIR Random123/philox.h)
  if(LOGZ_RANDOM123_INCLUDE_DIR)
    add_library(logz::random123 INTERFACE IMPORTED)
    set_target_properties(logz::random123 PROPERTIES
      INTERFACE_INCLUDE_DIRECTORIES "${LOGZ_RANDOM123_INCLUDE_DIR}")
  else()
    set(LOGZ_DEPENDENCIES_FOUND FALSE)
    string(APPEND LOGZ_DEPENDENCIES_MESSAGE
      "logz needs the Random123 headers: apt-get install librandom123-dev. ")
  endif()
endif()
if(NOT TARGET logz::lbfgs)
  find_library(LOGZ_LBFGS_LIBRARY lbfgs)
  find_path(LOGZ_LBFGS_INCLUDE_DIR lbfgs.h)
  if(LOGZ_LBFGS_LIBRARY AND LOGZ_LBFGS_INCLUDE_DIR)
    add_library(logz::lbfgs INTERFACE IMPORTED)
    set_target_properties(logz::lbfgs PROPERTIES
      INTERFACE_LINK_LIBRARIES "${LOGZ_LBFGS_LIBRARY}"
      INTERFACE_INCLUDE_DIRECTORIES "${LOGZ_LBFGS_INCLUDE_DIR}")
  else()
    set(LOGZ_DEPENDENCIES_FOUND FALSE)
    string(APPEND LOGZ_DEPENDENCIES_MESSAGE
      "logz needs libLBFGS for full-batch L-BFGS: apt-get install liblbfgs-dev. ")
  endif()
endif()
