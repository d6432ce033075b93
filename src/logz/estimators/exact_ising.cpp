#include "logz/estimators/exact_ising.hpp"

#include <fmt/format.h>

#include <bit>
#include <chrono>
#include <cmath>
#include <vector>

#include "logz/error.hpp"
#include "logz/estimators/enumeration_blocks.hpp"
#include "logz/math/blas.hpp"
#include "logz/math/log_space.hpp"
#include "logz/parallel/communicator.hpp"

namespace logz {
namespace {

void check_size(const IsingModel& model, const ExactOptions& options) {
  if (model.n_visible() > options.max_bits) {
    throw SettingError("--max-exact-bits",
                       fmt::format("exact log Z of this Ising model sums over 2^{} states, above "
                                   "the limit 2^{}; raise --max-exact-bits or use an estimator",
                                   model.n_visible(), options.max_bits));
  }
}

double negative_energy(const MatrixD& j, const VectorD& h, const VectorD& x) {
  return h.dot(x) + 0.5 * x.dot(j * x);
}

}  // namespace

LogZEstimate exact_log_z(const IsingModel& model, const ExactOptions& options) {
  check_size(model, options);
  const auto start = std::chrono::steady_clock::now();
  const Index n = model.n_visible();
  const MatrixD j = model.J().cast<double>();
  const VectorD h = model.h().cast<double>();
  const int block_bits = std::min<int>(static_cast<int>(n), enumeration::kBlockBits);
  const std::int64_t blocks = std::int64_t{1} << (n - block_bits);
  const std::int64_t per_block = std::int64_t{1} << block_bits;
  // Under MPI this process sums its share of the blocks (whole chunks of
  // them); the chunks' sums are gathered and added in order.
  LogZEstimate estimate;
  estimate.method = "exact";
  estimate.log_z =
      enumeration::log_sum_of_blocks(blocks, per_block, options.progress, [&](std::int64_t block) {
        // Gray code g(t) = t ^ (t >> 1); from t - 1 to t the bit ctz(t) flips.
        const std::int64_t first = block * per_block;
        const std::uint64_t gray = static_cast<std::uint64_t>(first ^ (first >> 1));
        VectorD x(n);
        for (Index i = 0; i < n; ++i)
          x(i) = static_cast<double>((gray >> i) & 1);
        VectorD field = h + j * x;
        double value = negative_energy(j, h, x);
        LogSumExp sum;
        sum.add(value);
        for (std::int64_t t = first + 1; t < first + per_block; ++t) {
          const int k = std::countr_zero(static_cast<std::uint64_t>(t));
          const double s = x(k) != 0.0 ? -1.0 : 1.0;
          value += s * field(k);
          field += s * j.col(k);
          x(k) += s;
          sum.add(value);
        }
        return sum.value();
      });
  estimate.lower = estimate.upper = estimate.log_z;
  estimate.samples = std::uint64_t{1} << n;
  estimate.seconds = enumeration::seconds_since(start);
  return estimate;
}

IsingMoments exact_moments(const IsingModel& model, const ExactOptions& options) {
  check_size(model, options);
  const Index n = model.n_visible();
  const double log_z = exact_log_z(model, options).log_z;
  const std::int64_t states = std::int64_t{1} << n;
  const Index chunk = std::min<Index>(states, 4096);
  const MatrixD j = model.J().cast<double>();
  const VectorD h = model.h().cast<double>();
  MatrixF x(chunk, n), weighted(chunk, n), product(n, n);
  IsingMoments moments;
  moments.log_z = log_z;
  moments.pairs = MatrixD::Zero(n, n);
  for (std::int64_t first = 0; first < states; first += chunk) {
    for (Index r = 0; r < chunk; ++r) {
      for (Index i = 0; i < n; ++i) x(r, i) = static_cast<float>(((first + r) >> i) & 1);
      const VectorD xr = x.row(r).cast<double>().transpose();
      const float p = static_cast<float>(std::exp(negative_energy(j, h, xr) - log_z));
      weighted.row(r) = p * x.row(r);
    }
    gemm(1.0f, x, Transpose::yes, weighted, Transpose::no, 0.0f, product);
    moments.pairs += product.cast<double>();
  }
  moments.means = moments.pairs.diagonal();
  return moments;
}

}  // namespace logz
