// The extension module logz._core: the C++ core as the Python package uses it.
#include <cblas.h>
#include <omp.h>

#include "bindings.hpp"
#include "errors.hpp"
#include "logz/error.hpp"
#include "logz/math/blas.hpp"

PYBIND11_MODULE(_core, m) {
  namespace py = pybind11;
  using namespace logz::python;
  m.doc() = "logz's C++ core; use the logz package.";
  m.attr("__version__") = LOGZ_VERSION;
  register_errors(m);
  bind_model(m);
  bind_training(m);
  bind_estimators(m);
  bind_data(m);

  m.def(
      "set_threads",
      [](int threads) {
        if (threads < 0) throw logz::SettingError("threads", "must be >= 0 (0: all cores)");
        const int n = threads == 0 ? omp_get_num_procs() : threads;
        logz::set_blas_threads(n);
        omp_set_num_threads(n);
      },
      py::arg("threads"),
      "Threads for logz's products and kernels (OpenMP and OpenBLAS); 0: all cores.");
  m.def("threads", [] { return omp_get_max_threads(); });
  m.def("gemm_backend", [] { return std::string(logz::to_string(logz::gemm_backend())); },
        "Which code computes logz's matrix products: avx512 (logz's own kernel) or openblas.");
  // 0: sequential, 1: pthreads, 2: OpenMP. The process may hold a pthreads
  // OpenBLAS that numpy loaded first under the same soname (see logz/__init__.py).
  m.def("openblas_parallel", [] { return openblas_get_parallel(); });
}
