#include "logz/report/run_folder.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <cctype>
#include <filesystem>

#include "logz/error.hpp"
#include "logz/io/file.hpp"

namespace logz::report {
namespace fs = std::filesystem;
namespace {

// The pictures `logz train` writes, in the order the report shows them.
constexpr std::array<std::pair<const char*, const char*>, 2> kPictures = {{
    {"samples.png", "Samples"},
    {"filters.png", "Filters"},
}};

bool is_png(const std::vector<std::uint8_t>& bytes) {
  static constexpr std::uint8_t kSignature[8] = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'};
  return bytes.size() >= 8 && std::equal(kSignature, kSignature + 8, bytes.begin());
}

// A JSON object from `path`. An empty file gets its own message: the shell
// creates the file of `logz estimate --json > FILE` even when logz then fails.
nlohmann::json read_json_object(const std::string& path) {
  const std::vector<std::uint8_t> bytes = read_file_bytes(path);
  if (std::all_of(bytes.begin(), bytes.end(),
                  [](std::uint8_t b) { return std::isspace(b) != 0; })) {
    throw FileError(path,
                    "empty file (a `logz ... --json > FILE` that failed leaves one: delete it "
                    "or run the command again)");
  }
  nlohmann::json value;
  try {
    value = nlohmann::json::parse(bytes.begin(), bytes.end());
  } catch (const nlohmann::json::parse_error& e) {
    throw FileError(path, fmt::format("not JSON at byte {}", e.byte));
  }
  if (!value.is_object()) {
    throw FileError(path, fmt::format("holds a JSON {}, not an object", value.type_name()));
  }
  return value;
}

}  // namespace

bool is_result_file_name(std::string_view name) {
  const bool json = name.size() > 5 && name.substr(name.size() - 5) == ".json";
  return json && (name.starts_with("estimate") || name.starts_with("eval"));
}

RunFolder read_run_folder(const std::string& path) {
  std::error_code ec;
  if (!fs::is_directory(path, ec)) {
    throw FileError(
        path, "not a folder (logz report reads a run folder written by `logz train --out DIR`)");
  }
  RunFolder run;
  run.path = path;
  const auto in_run = [&](const std::string& name) { return (fs::path(path) / name).string(); };
  if (file_exists(in_run("settings.json"))) {
    run.settings = read_json_object(in_run("settings.json"));
  }
  if (file_exists(in_run("metrics.csv"))) run.metrics = MetricsTable::read(in_run("metrics.csv"));
  if (!run.settings && !run.metrics) {
    throw FileError(
        path, "holds neither settings.json nor metrics.csv: not a run folder of `logz train`");
  }
  for (const auto& [name, title] : kPictures) {
    if (!file_exists(in_run(name))) continue;
    Picture picture{name, title, read_file_bytes(in_run(name))};
    if (!is_png(picture.png)) throw FileError(in_run(name), "not a PNG file (no PNG signature)");
    run.pictures.push_back(std::move(picture));
  }
  for (const auto& entry : fs::directory_iterator(path, ec)) {
    const std::string name = entry.path().filename().string();
    if (!is_result_file_name(name) || !entry.is_regular_file(ec)) continue;
    run.results.push_back({name, read_json_object(entry.path().string())});
  }
  if (ec) throw FileError(path, "cannot list the folder: " + ec.message());
  std::sort(run.results.begin(), run.results.end(),
            [](const ResultFile& a, const ResultFile& b) { return a.file_name < b.file_name; });
  return run;
}

}  // namespace logz::report
