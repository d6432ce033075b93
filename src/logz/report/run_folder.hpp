// What logz report reads from a run folder written by `logz train --out DIR`:
//
//   settings.json      the run's settings (a JSON object)
//   metrics.csv        one row per epoch (train/metrics.hpp)
//   samples.png        pictures, where the run wrote them
//   filters.png
//   estimate*.json     results a user saved beside the run, one JSON object
//   eval*.json         each: `logz estimate MODEL --json > DIR/estimate-ais.json`,
//                      `logz eval MODEL --json > DIR/eval-test.json`
//
// Every file but one of settings.json and metrics.csv may be absent. A file
// that is present but cannot be read or parsed is a FileError naming it (and
// the line, column or byte offset), not a silently thinner report.
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "logz/train/metrics.hpp"

namespace logz::report {

struct Picture {
  std::string file_name;  // "samples.png"
  std::string title;      // "Samples"
  std::vector<std::uint8_t> png;
};

// A saved result of `logz estimate --json` or `logz eval --json`.
struct ResultFile {
  std::string file_name;
  nlohmann::json value;  // an object
};

struct RunFolder {
  std::string path;
  std::optional<nlohmann::json> settings;  // an object
  std::optional<MetricsTable> metrics;
  std::vector<Picture> pictures;
  std::vector<ResultFile> results;  // by file name
};

// Throws FileError when `path` is not a folder, holds neither settings.json
// nor metrics.csv, or holds a file above that cannot be parsed.
RunFolder read_run_folder(const std::string& path);

// True for the names of saved results: estimate*.json and eval*.json.
bool is_result_file_name(std::string_view file_name);

}  // namespace logz::report
