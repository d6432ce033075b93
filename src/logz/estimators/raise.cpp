#include "logz/estimators/raise.hpp"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <type_traits>

#include "logz/estimators/beta_schedule.hpp"
#include "logz/math/blas.hpp"
#include "logz/math/kernels.hpp"
#include "logz/math/log_space.hpp"
#include "logz/parallel/communicator.hpp"

namespace logz {
namespace {

// Rows per batch of reverse chains: bounds memory, keeps GEMMs large.
constexpr Index kBlockRows = 1000;

// acc_i += sign * log f_beta(x_i), given a = x W.
void add_log_f(const BernoulliRbm& rbm, const VectorF& base, ConstMatrixRef x,
               ConstMatrixRef activation, float beta, double sign, std::vector<double>& scratch,
               std::vector<double>& acc) {
  rbm.log_unnormalized(x, activation, PathPoint(beta, &base), scratch);
  for (std::size_t i = 0; i < acc.size(); ++i)
    acc[i] += sign * scratch[i];
}

// The Bernoulli RBM's reverse chain reuses each step's product x W; other
// models step with their own sweep_visible and log_unnormalized.
template <typename Model>
RaiseResult raise_with(const Model& model, const VectorF& base_visible_bias, ConstMatrixRef data,
                       const AisOptions& options) {
  constexpr bool rbm_path = std::is_same_v<Model, BernoulliRbm>;
  validate_schedule(options.betas, "--betas");
  const auto start = std::chrono::steady_clock::now();
  const std::vector<double>& betas = options.betas;
  const std::size_t steps = betas.size() - 1;
  // log p_0(x_0) = log f_0(x_0) - log Z_0 (for the RBM: a.x - sum_i softplus(a_i)).
  double base_log_normalizer = 0.0;
  if constexpr (rbm_path) {
    for (Index i = 0; i < base_visible_bias.size(); ++i) {
      base_log_normalizer += softplus(static_cast<double>(base_visible_bias(i)));
    }
  } else {
    base_log_normalizer = model.base_log_partition(base_visible_bias);
  }

  // Under MPI this process runs the chains of its share of the examples; the
  // chains of block j of kBlockRows examples draw from their own stretch of
  // the stream (2^40 blocks from j 2^40), sharded over the block's rows.
  const Communicator& world = Communicator::world();
  const IndexRange mine = world.share(data.rows());
  std::vector<double> log_likelihoods;
  log_likelihoods.reserve(static_cast<std::size_t>(mine.size()));
  const std::size_t total_work =
      steps * static_cast<std::size_t>((data.rows() + kBlockRows - 1) / kBlockRows);
  std::size_t work_done = 0;
  for (Index block_start = 0; block_start < data.rows(); block_start += kBlockRows) {
    const Index block_rows = std::min(kBlockRows, data.rows() - block_start);
    const Index first = std::max(block_start, mine.begin);
    const Index n = std::min(block_start + block_rows, mine.end) - first;
    if (n <= 0) {
      work_done += steps;
      continue;
    }
    RandomStream stream(
        RandomStream::State{options.seed, static_cast<std::uint64_t>(StreamId::annealing),
                            static_cast<std::uint64_t>(block_start / kBlockRows) << 40});
    stream.shard(static_cast<std::uint64_t>(first - block_start), static_cast<std::uint64_t>(n),
                 static_cast<std::uint64_t>(block_rows));
    MatrixF x = data.middleRows(first, n);
    std::vector<double> acc(static_cast<std::size_t>(n), 0.0), scratch(acc.size());
    if constexpr (!rbm_path) {
      std::vector<std::vector<double>> log_f;
      for (std::size_t k = steps; k >= 1; --k) {
        const PathPoint at(static_cast<float>(betas[k]), &base_visible_bias);
        model.log_unnormalized(x, std::span<const PathPoint>(&at, 1), log_f);
        for (std::size_t i = 0; i < acc.size(); ++i)
          acc[i] += log_f[0][i];             // f_k(x_k)
        model.sweep_visible(x, stream, at);  // x_{k-1} ~ T_k(. | x_k)
        model.log_unnormalized(x, std::span<const PathPoint>(&at, 1), log_f);
        for (std::size_t i = 0; i < acc.size(); ++i)
          acc[i] -= log_f[0][i];  // f_k(x_{k-1})
        ++work_done;
        if (options.progress && (work_done % 64 == 0 || work_done == total_work)) {
          options.progress(work_done, total_work);
        }
      }
      const PathPoint base_point(0.0f, &base_visible_bias);
      model.log_unnormalized(x, std::span<const PathPoint>(&base_point, 1), log_f);
      for (Index i = 0; i < n; ++i) {
        log_likelihoods.push_back(acc[static_cast<std::size_t>(i)] +
                                  log_f[0][static_cast<std::size_t>(i)] - base_log_normalizer);
      }
    } else {
      const BernoulliRbm& rbm = model;
      MatrixF activation(n, rbm.n_hidden()), hidden(n, rbm.n_hidden()),
          pre_visible(n, rbm.n_visible());
      gemm(1.0f, x, Transpose::no, rbm.W(), Transpose::no, 0.0f, activation);
      for (std::size_t k = steps; k >= 1; --k) {
        const float beta = static_cast<float>(betas[k]);
        add_log_f(rbm, base_visible_bias, x, activation, beta, +1.0, scratch, acc);  // f_k(x_k)
        // x_{k-1} ~ T_k(. | x_k): one block-Gibbs sweep at beta_k.
        affine_sigmoid_bernoulli(activation, beta, beta * rbm.c(), hidden, stream);
        gemm(1.0f, hidden, Transpose::no, rbm.W(), Transpose::yes, 0.0f, pre_visible);
        affine_sigmoid_bernoulli(
            pre_visible, beta, rbm.visible_bias_at(PathPoint(beta, &base_visible_bias)), x, stream);
        gemm(1.0f, x, Transpose::no, rbm.W(), Transpose::no, 0.0f, activation);
        add_log_f(rbm, base_visible_bias, x, activation, beta, -1.0, scratch, acc);  // f_k(x_{k-1})
        ++work_done;
        if (options.progress && (work_done % 64 == 0 || work_done == total_work)) {
          options.progress(work_done, total_work);
        }
      }
      // log p_0(x_0) = a.x - sum_i softplus(a_i)
      const VectorF base_term = x * base_visible_bias;
      for (Index i = 0; i < n; ++i) {
        log_likelihoods.push_back(acc[static_cast<std::size_t>(i)] +
                                  static_cast<double>(base_term(i)) - base_log_normalizer);
      }
    }
  }
  RaiseResult result;
  result.log_likelihoods = world.all_gather(log_likelihoods, data.rows());
  const double count = static_cast<double>(result.log_likelihoods.size());
  double sum = 0.0;
  for (double x : result.log_likelihoods)
    sum += x;
  result.average = sum / count;
  double squares = 0.0;
  for (double x : result.log_likelihoods)
    squares += (x - result.average) * (x - result.average);
  result.std_error_of_mean = count > 1 ? std::sqrt(squares / (count - 1) / count) : 0.0;
  result.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  return result;
}

}  // namespace

RaiseResult raise_log_likelihood(const GibbsModel& model, const VectorF& base_visible_bias,
                                 ConstMatrixRef data, const AisOptions& options) {
  if (const auto* rbm = dynamic_cast<const BernoulliRbm*>(&model)) {
    return raise_log_likelihood(*rbm, base_visible_bias, data, options);
  }
  return raise_with(model, base_visible_bias, data, options);
}

RaiseResult raise_log_likelihood(const BernoulliRbm& rbm, const VectorF& base_visible_bias,
                                 ConstMatrixRef data, const AisOptions& options) {
  return raise_with(rbm, base_visible_bias, data, options);
}

}  // namespace logz
