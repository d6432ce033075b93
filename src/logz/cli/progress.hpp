// A one-line progress bar on stderr, redrawn at most ten times a second:
//
//   epoch 3/20 [##########..........] 45/90  812 batch/s  recon 12.34
//
// Shown when stderr is a terminal ("auto"), always or never, as the user asks.
#pragma once

#include <chrono>
#include <string>

namespace logz::cli {

enum class ProgressMode { automatic, always, never };

ProgressMode parse_progress_mode(const std::string& text);

class ProgressBar {
 public:
  explicit ProgressBar(ProgressMode mode);
  ~ProgressBar();
  ProgressBar(const ProgressBar&) = delete;
  ProgressBar& operator=(const ProgressBar&) = delete;

  bool enabled() const { return enabled_; }
  // Draws `label [bar] detail`, fraction in [0, 1]; skipped if drawn < 0.1 s ago
  // unless `force`.
  void update(double fraction, const std::string& label, const std::string& detail,
              bool force = false);
  // Removes the bar (the next output starts on a clean line).
  void clear();

 private:
  bool enabled_;
  bool drawn_ = false;
  std::chrono::steady_clock::time_point last_;
};

}  // namespace logz::cli
