// logz report: one self-contained HTML page about a training run: a
// summary, the learning curves of metrics.csv (charts.hpp), the run's
// pictures, the log Z table (log_z_table.hpp) and the settings.
//
// The page works offline and fetches nothing: the charting library (uPlot),
// the page's script and style sheet are inlined, pictures are base64 data:
// URIs, and a Content-Security-Policy forbids every load but data: images,
// so a stray URL would be blocked (and recorded as an error) rather than
// fetched. Text from the run's files is escaped (html.hpp).
#pragma once

#include <string>
#include <vector>

#include "logz/report/run_folder.hpp"

namespace logz::report {

struct Report {
  std::string html;
  std::vector<std::string> chart_titles;
  std::vector<std::string> picture_files;
  std::size_t log_z_rows = 0;
};

Report make_report(const RunFolder& run);

}  // namespace logz::report
