#include "logz/estimators/beta_schedule.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <charconv>

#include "logz/error.hpp"
#include "logz/io/file.hpp"

namespace logz {
namespace {

// Appends `steps` equal steps from the last beta to `end`.
void append_segment(std::vector<double>& betas, double end, std::size_t steps) {
  const double start = betas.back();
  for (std::size_t k = 1; k <= steps; ++k) {
    betas.push_back(k == steps ? end : start + (end - start) * static_cast<double>(k) / steps);
  }
}

}  // namespace

std::vector<double> linear_schedule(std::size_t steps) {
  if (steps < 1) throw SettingError("--betas", "an annealing schedule needs at least 1 step");
  std::vector<double> betas = {0.0};
  append_segment(betas, 1.0, steps);
  return betas;
}

std::vector<double> sm2008_schedule() {
  return sm2008_shaped_schedule(14500);
}

std::vector<double> sm2008_shaped_schedule(std::size_t steps) {
  if (steps < 3) throw SettingError("--betas", "an sm2008-shaped schedule needs at least 3 steps");
  // 500 : 4,000 : 10,000 of the steps, each segment at least one.
  const std::size_t first = std::max<std::size_t>(1, steps * 500 / 14500);
  const std::size_t second = std::max<std::size_t>(1, steps * 4000 / 14500);
  std::vector<double> betas = {0.0};
  append_segment(betas, 0.5, first);
  append_segment(betas, 0.9, second);
  append_segment(betas, 1.0, steps - first - second);
  return betas;
}

namespace {

// What is wrong with a schedule, or an empty string.
std::string schedule_problem(const std::vector<double>& betas) {
  if (betas.size() < 2) return "a schedule needs at least two betas (0 and 1)";
  if (betas.front() != 0.0 || betas.back() != 1.0) {
    return fmt::format("a schedule must start at 0 and end at 1 (it runs from {} to {})",
                       betas.front(), betas.back());
  }
  for (std::size_t k = 1; k < betas.size(); ++k) {
    if (!(betas[k] >= betas[k - 1])) {
      return fmt::format("beta {} ({}) is below beta {} ({}): a schedule never decreases", k + 1,
                         betas[k], k, betas[k - 1]);
    }
  }
  return "";
}

}  // namespace

void validate_schedule(const std::vector<double>& betas, const std::string& setting) {
  const std::string problem = schedule_problem(betas);
  if (!problem.empty()) throw SettingError(setting, problem);
}

std::vector<double> read_schedule(const std::string& path) {
  const std::vector<std::uint8_t> bytes = read_file_bytes(path);
  const std::string_view text(reinterpret_cast<const char*>(bytes.data()), bytes.size());
  std::vector<double> betas;
  std::size_t line = 1;
  for (std::size_t i = 0; i < text.size();) {
    const char c = text[i];
    if (c == '\n') {
      ++line;
      ++i;
    } else if (c == ' ' || c == '\t' || c == '\r' || c == ',') {
      ++i;
    } else if (c == '#') {
      while (i < text.size() && text[i] != '\n')
        ++i;
    } else {
      std::size_t end = i;
      while (end < text.size() && text[end] != ',' && text[end] != '\n' && text[end] != ' ' &&
             text[end] != '\t' && text[end] != '\r') {
        ++end;
      }
      double value = 0;
      const auto [ptr, error] = std::from_chars(text.data() + i, text.data() + end, value);
      if (error != std::errc() || ptr != text.data() + end || !(value >= 0.0 && value <= 1.0)) {
        throw FileError(path, fmt::format("line {}: \"{}\" is not a beta in [0, 1]", line,
                                          printable(text.substr(i, end - i))));
      }
      betas.push_back(value);
      i = end;
    }
  }
  const std::string problem = schedule_problem(betas);
  if (!problem.empty()) throw FileError(path, problem);
  return betas;
}

}  // namespace logz
