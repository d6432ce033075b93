// SIGINT and SIGTERM during long work. While a StopSignals lives, the first
// such signal only asks the work to stop at its next safe point (training:
// after the current batch, with a checkpoint); the handler then restores the
// default action, so a second signal ends the process at once, which the
// atomic writes of every file make safe.
#pragma once

#include <csignal>
#include <stdexcept>
#include <string>

namespace logz::cli {

class StopSignals {
 public:
  StopSignals();
  ~StopSignals();
  StopSignals(const StopSignals&) = delete;
  StopSignals& operator=(const StopSignals&) = delete;

  bool requested() const;
  int signal() const;  // the signal received, 0 if none
  static std::string name(int signal);

 private:
  struct sigaction previous_int_{}, previous_term_{};
};

// Work that stopped on a signal after saving what it had; main() exits with
// 128 + signal, as a shell reports a process ended by that signal.
class Interrupted : public std::runtime_error {
 public:
  Interrupted(int signal, const std::string& what) : std::runtime_error(what), signal_(signal) {}
  int signal() const { return signal_; }

 private:
  int signal_;
};

}  // namespace logz::cli
