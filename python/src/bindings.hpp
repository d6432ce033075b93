// The parts of the extension module logz._core, each bound in its own file.
// The Python package (python/logz/) builds the user-facing API on them.
#pragma once

#include <pybind11/pybind11.h>

namespace logz::python {

namespace py = pybind11;

void bind_model(py::module_& m);       // model.cpp: Rbm, Stream, load/save
void bind_training(py::module_& m);    // training.cpp: TrainingSession
void bind_estimators(py::module_& m);  // estimators.cpp: LogZEstimate, exact and AIS
void bind_data(py::module_& m);        // data.cpp: load_data

}  // namespace logz::python
