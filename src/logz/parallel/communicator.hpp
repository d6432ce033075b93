// The few collectives logz needs across processes, over MPI when logz was
// built with Open MPI and started by a launcher (mpirun, srun), and a
// single-process stand-in otherwise. Estimators and the trainer call these,
// never MPI, so they build and run without it.
//
// Work is shared by *global index* (chain, replicate, test example,
// enumeration group, micro-batch): rank r of P owns the contiguous block
// share(n) = [r n / P, (r + 1) n / P) of [0, n). Every random stream is keyed
// by those indices (RandomStream::shard), and every reduction gathers the
// per-index values to all ranks and combines them in index order, so the
// numbers are the same bits for any number of ranks (DESIGN.md, "Scale").
//
// Errors: any rank that fails ends the whole job (abort) with its message;
// the others never wait on it in a collective.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "logz/math/matrix.hpp"

namespace logz {

// A half-open range [begin, end) of global indices.
struct IndexRange {
  Index begin = 0;
  Index end = 0;
  Index size() const { return end - begin; }
  bool empty() const { return end <= begin; }
};

class Communicator {
 public:
  // The processes of this job: the MPI world after init_parallel, else one.
  static Communicator& world();

  // While an Alone lives, this process works by itself: share() gives it
  // all of [0, n) and the collectives return at once. For work that one rank
  // does for its own part (a micro-batch's gradient) with code that would
  // otherwise share it out.
  class Alone {
   public:
    Alone() { ++world().alone_; }
    ~Alone() { --world().alone_; }
    Alone(const Alone&) = delete;
    Alone& operator=(const Alone&) = delete;
  };

  int rank() const { return alone_ > 0 ? 0 : rank_; }
  int size() const { return alone_ > 0 ? 1 : size_; }
  // Rank 0 of the job (also inside an Alone): the one that prints and writes.
  bool root() const { return rank_ == 0; }
  bool distributed() const { return size() > 1; }

  // The block of [0, n) that `rank` (default: this one) owns.
  IndexRange share(Index n) const { return share(n, rank()); }
  IndexRange share(Index n, int rank) const;

  // `mine` holds this rank's values for its share(n), `per_index` values for
  // each index; returns all n x per_index values in index order, on every rank.
  std::vector<double> all_gather(std::span<const double> mine, Index n, Index per_index = 1) const;
  std::vector<std::int64_t> all_gather(std::span<const std::int64_t> mine, Index n,
                                       Index per_index = 1) const;
  // out = rows(0) + rows(1) + ... + rows(K - 1), added in that order for every
  // element, on every rank; `rows` [K, D] holds this rank's rows share(K).
  // Reduce-scatter then all-gather: rank q adds up columns share(D, q) of
  // all K rows and the sums are gathered, so each rank sends and receives
  // about (K / P + 1) D floats, whatever P is.
  void ordered_sum(const MatrixF& rows, std::span<float> out) const;
  // Log-sum-exp of n terms computed by the ranks: log_sum_share(n) is the
  // range of terms this rank computes (whole chunks of ceil(n / 4096) terms),
  // `mine` their values. The terms of a chunk are added, then the chunks'
  // sums, in order: the same bits for any rank count (and, for n <= 4096,
  // the plain log-sum-exp of the n terms).
  IndexRange log_sum_share(Index n) const;
  double log_sum(std::span<const double> mine, Index n) const;
  // The sum over ranks of integers (exact, so its order does not matter).
  std::int64_t sum(std::int64_t value) const;
  // Root's value, on every rank: for decisions that must not differ between
  // ranks though their inputs may (a time budget against measured seconds).
  double broadcast(double value) const;
  // The bytes of rank `from`, on every rank.
  void broadcast(std::vector<std::uint8_t>& bytes, int from = 0) const;
  void barrier() const;

  // Ends every rank of the job with `message` on stderr (this rank's number
  // in front when there are several) and exit code `code`. Without MPI it
  // simply exits.
  [[noreturn]] void abort(const std::string& message, int code) const;

  // For tests: throws Error on the rank named by LOGZ_FAIL_ON_RANK when the
  // first collective is called there.
  void check_injected_failure() const;

 private:
  friend void init_parallel(int& argc, char**& argv);
  friend void finalize_parallel();
  int rank_ = 0;
  int size_ = 1;
  bool mpi_ = false;
  int alone_ = 0;
  mutable std::vector<float> send_buffer_;  // ordered_sum's, kept between calls
  mutable MatrixF slice_buffer_;
};

// Whether this build has MPI ("Open MPI 4.1.4", say), or an empty string.
std::string mpi_library();
// Starts MPI when the process was launched by mpirun, srun or another PMI
// launcher (its environment says so); a process started alone stays single
// and never touches MPI. Call once, first thing in main.
void init_parallel(int& argc, char**& argv);
// Ends MPI (when it was started) after every rank got here.
void finalize_parallel();

}  // namespace logz
