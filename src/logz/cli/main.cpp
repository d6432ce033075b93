// logz: train energy-based models whose partition function is intractable,
// and estimate log Z (and so real log-likelihoods) with honest error bars.
//
// Exit codes: 0 success; 1 an error in the input (a file, the data, a model)
// or a run that diverged; 2 a command line that cannot be parsed or a flag
// out of range; 128 + N training stopped by signal N (130 SIGINT, 143
// SIGTERM) after writing its checkpoint. Every error is one line on stderr
// naming the file or flag.
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <cstdio>
#include <cstdlib>
#include <exception>

#include "logz/cli/commands.hpp"
#include "logz/cli/common.hpp"
#include "logz/cli/progress.hpp"
#include "logz/cli/stop_signals.hpp"
#include "logz/error.hpp"

namespace {

constexpr const char* kDescription =
    "logz " LOGZ_VERSION
    " - energy-based models with an intractable partition function Z.\n"
    "Train a restricted Boltzmann machine, then measure its real log-likelihood:\n"
    "  logz train --data mnist10k --hidden 25 --method pcd --epochs 20 --out runs/pcd25\n"
    "  logz estimate runs/pcd25/model.safetensors --method exact\n"
    "  logz eval runs/pcd25/model.safetensors --data mnist10k --logz-method exact\n"
    "Real-valued data (pixels dequantized to (0, 1)): a Gaussian-Bernoulli RBM by score\n"
    "matching (or dsm, nce, pcd), its log-likelihood by annealed importance sampling:\n"
    "  logz train --data mnist10k --model gbrbm --hidden 50 --method sm --optimizer adam \\\n"
    "      --lr 0.001 --out runs/sm50\n"
    "  logz eval runs/sm50/model.safetensors --logz-method ais\n"
    "Run `logz COMMAND --help` for the flags of each command.";

// BLAS and logz's kernels share libgomp's thread pool, whose idle threads
// spin for about 300,000 iterations before they sleep. One process gains
// little from that over a short spin (1,000: 2-4% on AIS and CD epochs), but
// two logz processes on the same cores then wait on each other's spinning at
// every barrier: two small training runs side by side took 274 s each
// instead of 4 s. libgomp reads its setting once, as it loads, before main;
// so, unless the user chose one, logz sets a short spin and starts itself
// again (on failure it simply goes on).
void limit_openmp_spinning(char** argv) {
  if (std::getenv("GOMP_SPINCOUNT") != nullptr || std::getenv("OMP_WAIT_POLICY") != nullptr) return;
  if (setenv("GOMP_SPINCOUNT", "1000", 1) != 0) return;
  execv("/proc/self/exe", argv);
}

}  // namespace

int main(int argc, char** argv) {
  limit_openmp_spinning(argv);
  CLI::App app(kDescription, "logz");
  app.set_version_flag("--version", "logz " LOGZ_VERSION);
  app.require_subcommand(1);
  app.fallthrough();
  int threads = 0;
  app.add_option("--threads", threads,
                 "Threads for matrix products and kernels (0: all cores)")
      ->check(CLI::Range(0, 1 << 16))
      ->capture_default_str();
  bool quiet = false;
  app.add_flag("--quiet", quiet,
               "No progress and no informational lines on stderr (errors still print)");
  const logz::cli::Command commands[] = {logz::cli::add_train_command(app),
                                         logz::cli::add_estimate_command(app),
                                         logz::cli::add_eval_command(app),
                                         logz::cli::add_sample_command(app),
                                         logz::cli::add_show_command(app),
                                         logz::cli::add_report_command(app)};
  try {
    app.parse(argc, argv);
    logz::cli::set_threads(threads);
    logz::cli::set_quiet(quiet);
    for (const auto& command : commands) {
      if (command.app->parsed()) command.run();
    }
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForAllHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForVersion& e) {
    return app.exit(e);
  } catch (const logz::cli::Interrupted& e) {
    std::fprintf(stderr, "logz: %s\n", e.what());
    return 128 + e.signal();
  } catch (const CLI::ParseError& e) {
    std::fprintf(stderr, "logz: error: %s (see logz --help)\n", e.what());
    return 2;
  } catch (const logz::SettingError& e) {
    std::fprintf(stderr, "logz: error: %s\n", e.what());
    return 2;
  } catch (const logz::Error& e) {
    std::fprintf(stderr, "logz: error: %s\n", e.what());
    return 1;
  } catch (const std::bad_alloc&) {
    std::fprintf(stderr, "logz: error: out of memory\n");
    return 1;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "logz: internal error: %s\n", e.what());
    return 1;
  }
  return 0;
}
