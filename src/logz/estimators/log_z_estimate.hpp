// The answer of every partition-function estimator: never a bare number.
//
//   log_z            the estimate of log Z
//   std_error        its standard error (0 for exact enumeration)
//   lower, upper     an interval in log space (for AIS: log of the mean
//                    weight -/+ 3 standard errors; equal to log_z when exact)
//   effective_sample_size   of the importance weights; absent when exact
//   samples          chains (AIS), samples (bridge) or states enumerated (exact)
//   seconds          wall time of the estimate
//   log_weights      per-chain log importance weights (AIS), so a user can judge them
//   diagnostics      named numbers that tell whether to trust it (bridge: the
//                    swap acceptance rates of its tempering ladder)
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "logz/progress_callback.hpp"

namespace logz {

struct LogZEstimate {
  std::string method;
  double log_z = 0.0;
  double std_error = 0.0;
  double lower = 0.0;
  double upper = 0.0;
  std::optional<double> effective_sample_size;
  std::uint64_t samples = 0;
  double seconds = 0.0;
  std::vector<double> log_weights;
  std::map<std::string, double> diagnostics;
};

}  // namespace logz
