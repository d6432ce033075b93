#include "logz/cli/progress.hpp"

#include <unistd.h>

#include <algorithm>
#include <cstdio>

#include "logz/error.hpp"

namespace logz::cli {

ProgressMode parse_progress_mode(const std::string& text) {
  if (text == "auto") return ProgressMode::automatic;
  if (text == "always") return ProgressMode::always;
  if (text == "never") return ProgressMode::never;
  throw SettingError("--progress", "\"" + text + "\" is not one of auto, always, never");
}

ProgressBar::ProgressBar(ProgressMode mode)
    : enabled_(mode == ProgressMode::always ||
               (mode == ProgressMode::automatic && isatty(STDERR_FILENO) != 0)) {}

ProgressBar::~ProgressBar() { clear(); }

void ProgressBar::update(double fraction, const std::string& label, const std::string& detail,
                         bool force) {
  if (!enabled_) return;
  const auto now = std::chrono::steady_clock::now();
  if (drawn_ && !force && now - last_ < std::chrono::milliseconds(100)) return;
  last_ = now;
  constexpr int kWidth = 24;
  const int filled = static_cast<int>(std::clamp(fraction, 0.0, 1.0) * kWidth + 0.5);
  std::string bar(static_cast<std::size_t>(filled), '#');
  bar.append(static_cast<std::size_t>(kWidth - filled), '.');
  std::fprintf(stderr, "\r\033[K%s [%s] %s", label.c_str(), bar.c_str(), detail.c_str());
  std::fflush(stderr);
  drawn_ = true;
}

void ProgressBar::clear() {
  if (!enabled_ || !drawn_) return;
  std::fprintf(stderr, "\r\033[K");
  std::fflush(stderr);
  drawn_ = false;
}

}  // namespace logz::cli
