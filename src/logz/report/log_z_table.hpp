// The report's table of log Z and log-likelihoods: the last exact values
// metrics.csv holds, then one row per saved result (estimate*.json from
// `logz estimate --json`, eval*.json from `logz eval --json`).
//
// A result's fields are read by name and type and anything else is ignored,
// so results of other versions show what they share with this one.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "logz/report/run_folder.hpp"

namespace logz::report {

struct LogZRow {
  std::string source;                        // "metrics.csv, epoch 50", "estimate-ais.json"
  std::string method;                        // "exact", "ais", ...
  std::string log_z;                         // "180.8061 +/- 0.0312", or empty
  std::vector<std::string> log_likelihoods;  // "test: -170.6700 +/- 0.0312"
  std::vector<std::string> details;          // "effective sample size 91.4", "2.61 s"
  std::vector<std::string> warnings;
};

std::vector<LogZRow> log_z_rows(const RunFolder& run);

}  // namespace logz::report
