// logz: train energy-based models whose partition function is intractable,
// and estimate log Z (and so real log-likelihoods) with honest error bars.
//
// Exit codes: 0 success; 1 an error in the input (a file, the data, a model)
// or a run that diverged; 2 a command line that cannot be parsed or a flag
// out of range; 128 + N training stopped by signal N (130 SIGINT, 143
// SIGTERM) after writing its checkpoint. Every error is one line on stderr
// naming the file or flag.
//
// Under mpirun or srun every rank runs the same command on its share of the
// work (parallel/communicator.hpp); rank 0 alone prints and writes, and an
// error on any rank ends all of them with its message and exit code.
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <string>

#include "logz/cli/commands.hpp"
#include "logz/cli/common.hpp"
#include "logz/cli/progress.hpp"
#include "logz/cli/stop_signals.hpp"
#include "logz/error.hpp"
#include "logz/parallel/communicator.hpp"

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
    "A protein family (an alignment): a Potts model by pseudolikelihood, its contacts, samples:\n"
    "  logz train --data family.sto --model potts --method pl --optimizer lbfgs --out runs/potts\n"
    "  logz contacts runs/potts/model.safetensors --min-separation 6 --top 50\n"
    "  logz sample runs/potts/model.safetensors --n 100 --out samples.fasta\n"
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

// Runs the command line; returns the exit code and the message to print.
int run(int argc, char** argv, std::string& message);

}  // namespace

int main(int argc, char** argv) {
  limit_openmp_spinning(argv);
  logz::init_parallel(argc, argv);
  const logz::Communicator& world = logz::Communicator::world();
  if (!world.root()) {
    // The other ranks compute what rank 0 prints: their output goes nowhere
    // (and run() keeps them quiet).
    if (std::freopen("/dev/null", "w", stdout) == nullptr) std::fclose(stdout);
  }
  std::string message;
  const int code = run(argc, argv, message);
  // An error may be one rank's alone (its file, its memory): it ends all of
  // them. A stop by signal reached every rank, and they stopped together.
  if ((code == 1 || code == 2) && world.distributed()) world.abort(message, code);
  if (!message.empty()) std::fprintf(stderr, "logz: %s\n", message.c_str());
  logz::finalize_parallel();
  return code;
}

namespace {

int run(int argc, char** argv, std::string& message) {
  CLI::App app(kDescription, "logz");
  app.set_version_flag("--version", [] {
    const std::string mpi = logz::mpi_library();
    return std::string("logz " LOGZ_VERSION) + (mpi.empty() ? " (without MPI)" : " (" + mpi + ")");
  });
  app.require_subcommand(1);
  app.fallthrough();
  int threads = 0;
  app.add_option("--threads", threads, "Threads for matrix products and kernels (0: all cores)")
      ->check(CLI::Range(0, 1 << 16))
      ->capture_default_str();
  bool quiet = false;
  app.add_flag("--quiet", quiet,
               "No progress and no informational lines on stderr (errors still print)");
  const logz::cli::Command commands[] = {
      logz::cli::add_train_command(app),   logz::cli::add_estimate_command(app),
      logz::cli::add_eval_command(app),    logz::cli::add_sample_command(app),
      logz::cli::add_show_command(app),    logz::cli::add_report_command(app),
      logz::cli::add_contacts_command(app)};
  try {
    app.parse(argc, argv);
    logz::cli::set_threads(threads);
    logz::cli::set_quiet(quiet || !logz::Communicator::world().root());
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
    message = e.what();
    return 128 + e.signal();
  } catch (const CLI::ParseError& e) {
    message = std::string("error: ") + e.what() + " (see logz --help)";
    return 2;
  } catch (const logz::SettingError& e) {
    message = std::string("error: ") + e.what();
    return 2;
  } catch (const logz::Error& e) {
    message = std::string("error: ") + e.what();
    return 1;
  } catch (const std::bad_alloc&) {
    message = "error: out of memory";
    return 1;
  } catch (const std::exception& e) {
    message = std::string("internal error: ") + e.what();
    return 1;
  }
  return 0;
}

}  // namespace
