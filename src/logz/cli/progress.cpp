#include "logz/cli/progress.hpp"

#include <sys/ioctl.h>
#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <fmt/format.h>
#include <fmt/ranges.h>

#include "logz/error.hpp"

namespace logz::cli {
namespace {

bool quiet_flag = false;

// Seconds between two plain progress lines: LOGZ_PROGRESS_SECONDS, else 10.
double line_interval() {
  const char* text = std::getenv("LOGZ_PROGRESS_SECONDS");
  if (text == nullptr || *text == '\0') return 10.0;
  char* end = nullptr;
  const double seconds = std::strtod(text, &end);
  if (*end != '\0' || !(seconds >= 0.0) || !std::isfinite(seconds)) {
    throw SettingError("LOGZ_PROGRESS_SECONDS",
                       fmt::format("\"{}\" is not a number of seconds >= 0", printable(text)));
  }
  return seconds;
}

// 42, 1234, 12.6M: counts as a person reads them.
std::string count_text(double x) {
  if (x >= 1e9) return fmt::format("{:.1f}G", x / 1e9);
  if (x >= 1e6) return fmt::format("{:.1f}M", x / 1e6);
  return fmt::format("{:.0f}", x);
}

std::string rate_text(double x) {
  if (x >= 1e6) return count_text(x);
  return x >= 10 ? fmt::format("{:.0f}", x) : fmt::format("{:.2g}", x);
}

// 7 s, 3 min 20 s, 2 h 05 min.
std::string duration_text(double seconds) {
  const long s = std::lround(seconds);
  if (s < 60) return fmt::format("{} s", s);
  if (s < 3600) return fmt::format("{} min {:02} s", s / 60, s % 60);
  return fmt::format("{} h {:02} min", s / 3600, (s % 3600) / 60);
}

std::size_t terminal_columns() {
  winsize size{};
  if (ioctl(STDERR_FILENO, TIOCGWINSZ, &size) == 0 && size.ws_col > 0) return size.ws_col;
  return 0;  // unknown: no limit
}

}  // namespace

ProgressMode parse_progress_mode(const std::string& text) {
  if (text == "auto") return ProgressMode::automatic;
  if (text == "always") return ProgressMode::always;
  if (text == "never") return ProgressMode::never;
  throw SettingError("--progress", "\"" + text + "\" is not one of auto, always, never");
}

void set_quiet(bool quiet) { quiet_flag = quiet; }
bool quiet() { return quiet_flag; }

void inform(const std::string& line, ProgressBar* bar) {
  if (quiet_flag) return;
  if (bar != nullptr) bar->clear();
  std::fprintf(stderr, "%s\n", line.c_str());
  std::fflush(stderr);
}

ProgressBar::ProgressBar(ProgressMode mode) : created_(Clock::now()) {
  const bool terminal = isatty(STDERR_FILENO) != 0;
  if (quiet_flag || mode == ProgressMode::never) {
    style_ = Style::off;
  } else if (mode == ProgressMode::always || terminal) {
    style_ = Style::bar;
  } else {
    style_ = Style::lines;
    line_seconds_ = line_interval();
  }
  last_ = created_;
}

ProgressBar::~ProgressBar() { clear(); }

std::vector<std::string> ProgressBar::status(double done, double total, const std::string& unit,
                                             Clock::time_point now) const {
  std::vector<std::string> parts = {fmt::format("{}/{}", count_text(done), count_text(total))};
  const double seconds = std::chrono::duration<double>(now - first_).count();
  if (seconds >= 0.5 && done > first_done_) {
    const double rate = (done - first_done_) / seconds;
    parts.push_back(fmt::format("{} {}/s", rate_text(rate), unit));
    if (done < total) parts.push_back("ETA " + duration_text((total - done) / rate));
  }
  return parts;
}

void ProgressBar::update(const std::string& label, double done, double total,
                         const std::string& unit, const std::string& detail, bool force) {
  if (style_ == Style::off || total <= 0) return;
  const auto now = Clock::now();
  if (!started_) {
    started_ = true;
    first_ = now;
    first_done_ = done;
  }
  const double fraction = std::clamp(done / total, 0.0, 1.0);
  if (style_ == Style::lines) {
    if (std::chrono::duration<double>(now - last_).count() < line_seconds_) return;
    last_ = now;
    std::vector<std::string> parts = status(done, total, unit, now);
    const double elapsed = std::chrono::duration<double>(now - created_).count();
    parts.insert(parts.begin() + 1, duration_text(elapsed) + " elapsed");
    std::string line =
        fmt::format("{}: {:.0f}% ({})", label, 100.0 * fraction, fmt::join(parts, ", "));
    if (!detail.empty()) line += "  " + detail;
    std::fprintf(stderr, "%s\n", line.c_str());
    std::fflush(stderr);
    return;
  }
  if (drawn_ && !force && now - last_ < std::chrono::milliseconds(100)) return;
  last_ = now;
  constexpr int kWidth = 24;
  const int filled = static_cast<int>(fraction * kWidth + 0.5);
  std::string line =
      fmt::format("{} [{}{}] {}", label, std::string(static_cast<std::size_t>(filled), '#'),
                  std::string(static_cast<std::size_t>(kWidth - filled), '.'),
                  fmt::join(status(done, total, unit, now), "  "));
  if (!detail.empty()) line += "  " + detail;
  // A line longer than the terminal would wrap, and \r would not return to its start.
  if (const std::size_t columns = terminal_columns(); columns > 1 && line.size() >= columns) {
    line.resize(columns - 1);
  }
  std::fprintf(stderr, "\r\033[K%s", line.c_str());
  std::fflush(stderr);
  drawn_ = true;
}

void ProgressBar::clear() {
  if (style_ != Style::bar || !drawn_) return;
  std::fprintf(stderr, "\r\033[K");
  std::fflush(stderr);
  drawn_ = false;
}

}  // namespace logz::cli
