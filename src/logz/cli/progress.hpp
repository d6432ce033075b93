// What a long command says on stderr while it works, and how much.
//
// On a terminal, a one-line bar redrawn at most ten times a second, with the
// rate and the time left (ETA, from the rate since the first update):
//
//   epoch 3/20 [######..................] 225/1800  812 batch/s  ETA 2 s  recon 12.34
//
// When stderr is not a terminal (a log file, a pipe, CI), plain lines
// instead, at most one every 10 seconds (LOGZ_PROGRESS_SECONDS changes it),
// so a log shows where a long run is without a line per batch, and a run
// shorter than that prints none:
//
//   ais: 45% (6528/14501, 10 s elapsed, 650 step/s, ETA 12 s)
//
// --progress auto chooses between the two, always draws the bar whatever
// stderr is, never draws nothing; the global --quiet silences progress and
// informational lines alike (errors still print).
#pragma once

#include <chrono>
#include <string>
#include <vector>

namespace logz::cli {

enum class ProgressMode { automatic, always, never };

ProgressMode parse_progress_mode(const std::string& text);

// --quiet: no progress and no informational lines on stderr.
void set_quiet(bool quiet);
bool quiet();

class ProgressBar;

// One informational line on stderr (what is going on; not a result, not an
// error), unless --quiet. Clears `bar` first, if given.
void inform(const std::string& line, ProgressBar* bar = nullptr);

class ProgressBar {
 public:
  enum class Style { off, bar, lines };

  explicit ProgressBar(ProgressMode mode);
  ~ProgressBar();
  ProgressBar(const ProgressBar&) = delete;
  ProgressBar& operator=(const ProgressBar&) = delete;

  Style style() const { return style_; }
  bool enabled() const { return style_ != Style::off; }

  // `done` of `total` units of work (`unit`, singular: "batch", "step"),
  // shown under `label`, followed by the rate, the time left and `detail`
  // (numbers worth watching). Skipped when drawn less than 0.1 s ago (a
  // line: less than the interval) unless `force`.
  void update(const std::string& label, double done, double total, const std::string& unit,
              const std::string& detail = "", bool force = false);
  // Removes the bar (the next output starts on a clean line); nothing for lines.
  void clear();

 private:
  using Clock = std::chrono::steady_clock;
  // "done/total", then the rate and the time left once they are known.
  std::vector<std::string> status(double done, double total, const std::string& unit,
                                  Clock::time_point now) const;

  Style style_;
  double line_seconds_ = 10.0;
  bool drawn_ = false;
  bool started_ = false;
  double first_done_ = 0.0;
  Clock::time_point created_, first_, last_;
};

}  // namespace logz::cli
