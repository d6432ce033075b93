#include "logz/sampling/exact_sampling.hpp"

#include <algorithm>
#include <cmath>
#include <fmt/format.h>
#include <vector>

#include "logz/error.hpp"
#include "logz/math/log_space.hpp"

namespace logz {

MatrixF sample_exactly(const EnergyModel& model, Index n, RandomStream& stream) {
  const Index v = model.n_visible();
  if (!model.binary_visible() || v > kMaxExactSamplingBits) {
    throw SettingError("--method", fmt::format("exact sampling needs a binary model of at most {} "
                                               "visible units; this {} has {}",
                                               kMaxExactSamplingBits, model.kind(), v));
  }
  const std::int64_t states = std::int64_t{1} << v;
  std::vector<double> log_p(static_cast<std::size_t>(states));
  const Index chunk = std::min<Index>(states, 4096);
  MatrixF batch(chunk, v);
  for (std::int64_t first = 0; first < states; first += chunk) {
    for (Index r = 0; r < chunk; ++r) {
      for (Index i = 0; i < v; ++i) batch(r, i) = static_cast<float>(((first + r) >> i) & 1);
    }
    model.free_energy(batch, std::span<double>(log_p).subspan(static_cast<std::size_t>(first),
                                                               static_cast<std::size_t>(chunk)));
  }
  for (double& x : log_p) x = -x;
  const double log_z = log_sum_exp(log_p);
  std::vector<double> cumulative(log_p.size());
  double total = 0.0;
  for (std::size_t s = 0; s < log_p.size(); ++s) {
    total += std::exp(log_p[s] - log_z);
    cumulative[s] = total;
  }
  std::vector<double> u(static_cast<std::size_t>(n));
  stream.uniform(u);
  MatrixF samples(n, v);
  for (Index r = 0; r < n; ++r) {
    const double target = u[static_cast<std::size_t>(r)] * total;
    const auto it = std::upper_bound(cumulative.begin(), cumulative.end(), target);
    const std::int64_t s = std::min<std::int64_t>(it - cumulative.begin(), states - 1);
    for (Index i = 0; i < v; ++i) samples(r, i) = static_cast<float>((s >> i) & 1);
  }
  return samples;
}

}  // namespace logz
