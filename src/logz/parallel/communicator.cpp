#include "logz/parallel/communicator.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <limits>
#include <type_traits>

#include "logz/error.hpp"
#include "logz/math/log_space.hpp"

#ifdef LOGZ_HAVE_MPI
#include <mpi.h>
#endif

namespace logz {
namespace {

Communicator& the_world() {
  static Communicator world;
  return world;
}

// Element counts and offsets of every rank's share, for the v-collectives.
struct Layout {
  std::vector<int> counts, offsets;
};

[[maybe_unused]] Layout layout_of(const Communicator& comm, Index n, Index per_index) {
  Layout layout;
  for (int r = 0; r < comm.size(); ++r) {
    const IndexRange range = comm.share(n, r);
    const Index count = range.size() * per_index, offset = range.begin * per_index;
    if (offset + count > std::numeric_limits<int>::max()) {
      throw Error("a gather between ranks of more than 2^31 values: use fewer chains or examples");
    }
    layout.counts.push_back(static_cast<int>(count));
    layout.offsets.push_back(static_cast<int>(offset));
  }
  return layout;
}

template <typename T>
std::vector<T> gather_values(const Communicator& comm, std::span<const T> mine, Index n,
                             Index per_index) {
  comm.check_injected_failure();
  if (static_cast<Index>(mine.size()) != comm.share(n).size() * per_index) {
    throw Error("internal: a rank's share of a gather has the wrong size");
  }
  std::vector<T> all(static_cast<std::size_t>(n * per_index));
  if (!comm.distributed()) {
    std::copy(mine.begin(), mine.end(), all.begin());
    return all;
  }
#ifdef LOGZ_HAVE_MPI
  const Layout layout = layout_of(comm, n, per_index);
  const MPI_Datatype type = std::is_same_v<T, double> ? MPI_DOUBLE : MPI_INT64_T;
  MPI_Allgatherv(mine.data(), static_cast<int>(mine.size()), type, all.data(), layout.counts.data(),
                 layout.offsets.data(), type, MPI_COMM_WORLD);
#endif
  return all;
}

[[maybe_unused]] bool launched_by_mpi() {
  for (const char* name : {"OMPI_COMM_WORLD_SIZE", "PMIX_RANK", "PMI_RANK", "PMI_SIZE",
                           "SLURM_PROCID", "MPI_LOCALNRANKS"}) {
    if (std::getenv(name) != nullptr) return true;
  }
  return false;
}

}  // namespace

Communicator& Communicator::world() {
  return the_world();
}

IndexRange Communicator::share(Index n, int rank) const {
  const auto p = static_cast<Index>(size());
  return {n * rank / p, n * (rank + 1) / p};
}

std::vector<double> Communicator::all_gather(std::span<const double> mine, Index n,
                                             Index per_index) const {
  return gather_values(*this, mine, n, per_index);
}

std::vector<std::int64_t> Communicator::all_gather(std::span<const std::int64_t> mine, Index n,
                                                   Index per_index) const {
  return gather_values(*this, mine, n, per_index);
}

void Communicator::ordered_sum(const MatrixF& rows, std::span<float> out) const {
  check_injected_failure();
  [[maybe_unused]] const Index k_rows = rows.rows();
  const Index d = rows.cols();
  if (static_cast<Index>(out.size()) != d) throw Error("internal: ordered_sum's output size");
  const auto add_in_order = [](const MatrixF& m, Index first_col, Index cols, float* sum) {
    for (Index i = 0; i < cols; ++i)
      sum[i] = m(0, first_col + i);
    for (Index k = 1; k < m.rows(); ++k) {
      for (Index i = 0; i < cols; ++i)
        sum[i] += m(k, first_col + i);
    }
  };
  if (!distributed()) {
    add_in_order(rows, 0, d, out.data());
    return;
  }
#ifdef LOGZ_HAVE_MPI
  const IndexRange mine = share(k_rows), my_cols = share(d);
  std::vector<int> send_counts, send_offsets, receive_counts, receive_offsets;
  // Buffers kept between calls: fresh megabytes every update cost their page faults.
  std::vector<float>& send = send_buffer_;
  send.clear();
  send.reserve(static_cast<std::size_t>(mine.size() * d));
  for (int q = 0; q < size(); ++q) {
    const IndexRange cols = share(d, q), their_rows = share(k_rows, q);
    send_offsets.push_back(static_cast<int>(send.size()));
    for (Index k = mine.begin; k < mine.end; ++k) {
      send.insert(send.end(), &rows(k, cols.begin), &rows(k, cols.begin) + cols.size());
    }
    send_counts.push_back(static_cast<int>(send.size()) - send_offsets.back());
    receive_offsets.push_back(static_cast<int>(their_rows.begin * my_cols.size()));
    receive_counts.push_back(static_cast<int>(their_rows.size() * my_cols.size()));
  }
  // Rows arrive in rank order, which is row order: [K, my columns].
  MatrixF& slice = slice_buffer_;
  slice.resize(k_rows, my_cols.size());
  MPI_Alltoallv(send.data(), send_counts.data(), send_offsets.data(), MPI_FLOAT, slice.data(),
                receive_counts.data(), receive_offsets.data(), MPI_FLOAT, MPI_COMM_WORLD);
  std::vector<float> sums(static_cast<std::size_t>(my_cols.size()));
  if (my_cols.size() > 0) add_in_order(slice, 0, my_cols.size(), sums.data());
  const Layout layout = layout_of(*this, d, 1);
  MPI_Allgatherv(sums.data(), static_cast<int>(sums.size()), MPI_FLOAT, out.data(),
                 layout.counts.data(), layout.offsets.data(), MPI_FLOAT, MPI_COMM_WORLD);
#endif
}

namespace {
constexpr Index kLogSumChunks = 4096;
Index log_sum_chunk(Index n) {
  return std::max<Index>(1, (n + kLogSumChunks - 1) / kLogSumChunks);
}
}  // namespace

IndexRange Communicator::log_sum_share(Index n) const {
  const Index chunk = log_sum_chunk(n), chunks = (n + chunk - 1) / chunk;
  const IndexRange mine = share(chunks);
  return {std::min(n, mine.begin * chunk), std::min(n, mine.end * chunk)};
}

double Communicator::log_sum(std::span<const double> mine, Index n) const {
  const Index chunk = log_sum_chunk(n), chunks = (n + chunk - 1) / chunk;
  const IndexRange range = log_sum_share(n);
  if (static_cast<Index>(mine.size()) != range.size()) {
    throw Error("internal: a rank's share of a log-sum has the wrong size");
  }
  std::vector<double> sums;
  for (Index first = 0; first < range.size(); first += chunk) {
    sums.push_back(
        log_sum_exp(mine.subspan(static_cast<std::size_t>(first),
                                 static_cast<std::size_t>(std::min(chunk, range.size() - first)))));
  }
  return log_sum_exp(all_gather(sums, chunks));
}

std::int64_t Communicator::sum(std::int64_t value) const {
  check_injected_failure();
  std::int64_t total = value;
#ifdef LOGZ_HAVE_MPI
  if (distributed()) MPI_Allreduce(&value, &total, 1, MPI_INT64_T, MPI_SUM, MPI_COMM_WORLD);
#endif
  return total;
}

double Communicator::broadcast(double value) const {
  check_injected_failure();
#ifdef LOGZ_HAVE_MPI
  if (distributed()) MPI_Bcast(&value, 1, MPI_DOUBLE, 0, MPI_COMM_WORLD);
#endif
  return value;
}

void Communicator::broadcast([[maybe_unused]] std::vector<std::uint8_t>& bytes,
                             [[maybe_unused]] int from) const {
  check_injected_failure();
  if (!distributed()) return;
#ifdef LOGZ_HAVE_MPI
  std::uint64_t size = bytes.size();
  MPI_Bcast(&size, 1, MPI_UINT64_T, from, MPI_COMM_WORLD);
  bytes.resize(size);
  for (std::uint64_t done = 0; done < size;) {
    const auto chunk = static_cast<int>(std::min<std::uint64_t>(size - done, 1u << 30));
    MPI_Bcast(bytes.data() + done, chunk, MPI_UINT8_T, from, MPI_COMM_WORLD);
    done += static_cast<std::uint64_t>(chunk);
  }
#endif
}

void Communicator::barrier() const {
  check_injected_failure();
#ifdef LOGZ_HAVE_MPI
  if (distributed()) MPI_Barrier(MPI_COMM_WORLD);
#endif
}

void Communicator::abort(const std::string& message, int code) const {
  if (size_ > 1) {
    std::fprintf(stderr, "logz (rank %d of %d): %s\n", rank_, size_, message.c_str());
  } else {
    std::fprintf(stderr, "logz: %s\n", message.c_str());
  }
  std::fflush(stderr);
#ifdef LOGZ_HAVE_MPI
  if (mpi_) MPI_Abort(MPI_COMM_WORLD, code);
#endif
  std::exit(code);
}

void Communicator::check_injected_failure() const {
  static const char* rank = std::getenv("LOGZ_FAIL_ON_RANK");
  if (rank != nullptr && std::atoi(rank) == rank_ && alone_ == 0) {
    throw Error(fmt::format("injected failure on rank {} (LOGZ_FAIL_ON_RANK)", rank_));
  }
}

std::string mpi_library() {
#ifdef LOGZ_HAVE_MPI
  char version[MPI_MAX_LIBRARY_VERSION_STRING];
  int length = 0;
  MPI_Get_library_version(version, &length);
  std::string text(version, static_cast<std::size_t>(length));
  if (const auto comma = text.find(','); comma != std::string::npos) text.resize(comma);
  return text;
#else
  return {};
#endif
}

void init_parallel([[maybe_unused]] int& argc, [[maybe_unused]] char**& argv) {
#ifdef LOGZ_HAVE_MPI
  if (!launched_by_mpi()) return;
  int provided = 0;
  // Only the main thread calls MPI; OpenMP threads never do.
  MPI_Init_thread(&argc, &argv, MPI_THREAD_FUNNELED, &provided);
  Communicator& world = the_world();
  world.mpi_ = true;
  MPI_Comm_rank(MPI_COMM_WORLD, &world.rank_);
  MPI_Comm_size(MPI_COMM_WORLD, &world.size_);
#endif
}

void finalize_parallel() {
#ifdef LOGZ_HAVE_MPI
  Communicator& world = the_world();
  if (world.mpi_) {
    MPI_Finalize();
    world.mpi_ = false;
  }
#endif
}

}  // namespace logz
