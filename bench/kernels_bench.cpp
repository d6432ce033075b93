// Micro-benchmarks of logz's hot kernels (Google Benchmark). Run:
//   build/bench/kernels_bench [--benchmark_filter=Gemm]
// Shapes are those of a 784 x 500 RBM with minibatches of 100.
#include <benchmark/benchmark.h>

#include <vector>

#include "logz/data/dataset.hpp"
#include "logz/estimators/exact_rbm.hpp"
#include "logz/math/blas.hpp"
#include "logz/math/kernels.hpp"
#include "logz/math/random.hpp"
#include "logz/models/bernoulli_rbm.hpp"
#include "logz/models/potts.hpp"

namespace logz {
namespace {

MatrixF random_matrix(Index rows, Index cols, std::uint64_t seed, double scale = 1.0) {
  MatrixF x(rows, cols);
  RandomStream stream(seed, 1);
  stream.normal(std::span<float>(x.data(), static_cast<std::size_t>(x.size())), 0.0, scale);
  return x;
}

MatrixF random_binary(Index rows, Index cols, std::uint64_t seed) {
  MatrixF x(rows, cols);
  RandomStream stream(seed, 2);
  sample_bernoulli(MatrixF::Constant(rows, cols, 0.2f), x, stream);
  return x;
}

// args: m, n, k, transpose a, transpose b, backend (0 openblas, 1 auto)
void BM_Gemm(benchmark::State& state) {
  const Index m = state.range(0), n = state.range(1), k = state.range(2);
  const Transpose ta = state.range(3) ? Transpose::yes : Transpose::no;
  const Transpose tb = state.range(4) ? Transpose::yes : Transpose::no;
  set_gemm_backend(state.range(5) ? GemmBackend::automatic : GemmBackend::openblas);
  const MatrixF a = ta == Transpose::no ? random_matrix(m, k, 1) : random_matrix(k, m, 1);
  const MatrixF b = tb == Transpose::no ? random_matrix(k, n, 2) : random_matrix(n, k, 2);
  MatrixF c(m, n);
  for (auto _ : state) {
    gemm(1.0f, a, ta, b, tb, 0.0f, c);
    benchmark::DoNotOptimize(c.data());
  }
  state.counters["GFLOP/s"] = benchmark::Counter(2.0 * m * n * k, benchmark::Counter::kIsIterationInvariantRate,
                                                 benchmark::Counter::kIs1000);
  state.SetLabel(to_string(gemm_backend()));
  set_gemm_backend(GemmBackend::automatic);
}
BENCHMARK(BM_Gemm)
    ->ArgNames({"m", "n", "k", "ta", "tb", "avx512"})
    ->Args({100, 500, 784, 0, 0, 0})->Args({100, 500, 784, 0, 0, 1})    // v W
    ->Args({100, 784, 500, 0, 1, 0})->Args({100, 784, 500, 0, 1, 1})    // h W^T
    ->Args({784, 500, 100, 1, 0, 0})->Args({784, 500, 100, 1, 0, 1})    // v^T p(h|v)
    ->UseRealTime();

void BM_SigmoidBernoulli(benchmark::State& state) {
  const Index cols = state.range(0);
  MatrixF x = random_matrix(100, cols, 3, 2.0), sample(100, cols);
  const VectorF bias = VectorF::Zero(cols);
  RandomStream stream(1, 1);
  for (auto _ : state) {
    MatrixF work = x;
    affine_sigmoid_bernoulli(work, 1.0f, bias, sample, stream);
    benchmark::DoNotOptimize(sample.data());
  }
  state.SetItemsProcessed(state.iterations() * 100 * cols);
}
BENCHMARK(BM_SigmoidBernoulli)->Arg(500)->Arg(784)->UseRealTime();

void BM_FreeEnergy(benchmark::State& state) {
  BernoulliRbm rbm(784, 500);
  RandomStream stream(1, 1);
  rbm.initialize(stream, 0.05);
  const MatrixF v = random_binary(state.range(0), 784, 4);
  std::vector<double> out(static_cast<std::size_t>(v.rows()));
  for (auto _ : state) {
    rbm.free_energy(v, out);
    benchmark::DoNotOptimize(out.data());
  }
  state.SetItemsProcessed(state.iterations() * v.rows());
}
BENCHMARK(BM_FreeEnergy)->Arg(100)->Arg(10000)->UseRealTime();

void BM_ExactLogZ(benchmark::State& state) {
  BernoulliRbm rbm(784, state.range(0));
  RandomStream stream(1, 1);
  rbm.initialize(stream, 0.1);
  for (auto _ : state) benchmark::DoNotOptimize(exact_log_z(rbm).log_z);
  state.SetItemsProcessed(state.iterations() * (std::int64_t{1} << state.range(0)));
}
BENCHMARK(BM_ExactLogZ)->Arg(16)->Arg(20)->Unit(benchmark::kMillisecond)->UseRealTime();

void BM_PseudolikelihoodBatch(benchmark::State& state) {
  BernoulliRbm rbm(784, 500);
  RandomStream stream(1, 1);
  rbm.initialize(stream, 0.05);
  const MatrixF v = random_binary(100, 784, 5);
  MatrixF differences(100, 784);
  for (auto _ : state) {
    rbm.flip_free_energy_differences(v, differences);
    benchmark::DoNotOptimize(differences.data());
  }
  state.SetItemsProcessed(state.iterations() * 100 * 784 * 500);
}
BENCHMARK(BM_PseudolikelihoodBatch)->Unit(benchmark::kMillisecond)->UseRealTime();

// A protein family's size for pseudolikelihood: L = 100 sites, q = 21 states,
// N = 5,000 sequences of random codes; couplings of scale 0.1.
struct PottsFamily {
  PottsModel model{100, 21};
  MatrixF codes{5000, 100};
  PottsFamily() {
    RandomStream stream(1, 1);
    auto values = model.parameters().values();
    stream.normal(values, 0.0, 0.1);
    std::vector<float> u(static_cast<std::size_t>(codes.size()));
    stream.uniform(u);
    for (Index k = 0; k < codes.size(); ++k)
      codes.data()[k] = std::floor(u[static_cast<std::size_t>(k)] * 21.0f);
  }
};

// The coupling fields of every site and state (one PL evaluation's forward part).
void BM_PottsSiteDifferences(benchmark::State& state) {
  const PottsFamily f;
  MatrixF out(f.codes.rows(), 100 * 21);
  for (auto _ : state) {
    f.model.site_free_energy_differences(f.codes, out);
    benchmark::DoNotOptimize(out.data());
  }
  state.SetItemsProcessed(state.iterations() * 5000 * 100 * 99);  // rows of J added
}
BENCHMARK(BM_PottsSiteDifferences)->Unit(benchmark::kMillisecond)->UseRealTime();

// The gradient of a PL evaluation (its backward part) from given coefficients.
void BM_PottsSiteGradient(benchmark::State& state) {
  const PottsFamily f;
  const MatrixF coefficients = random_matrix(f.codes.rows(), 100 * 21, 7, 0.01);
  ParameterVector gradient = f.model.parameters();
  for (auto _ : state) {
    gradient.set_zero();
    f.model.add_site_gradient(f.codes, coefficients, 1.0, gradient);
    benchmark::DoNotOptimize(gradient.values().data());
  }
  state.SetItemsProcessed(state.iterations() * 5000 * 100 * 99);
}
BENCHMARK(BM_PottsSiteGradient)->Unit(benchmark::kMillisecond)->UseRealTime();

}  // namespace
}  // namespace logz

// Fixed cost of every run on the bundled data: read and inflate the IDX
// files, scale, split and binarize (logz train's default for mnist10k), and
// the base-rate start of the visible biases.
void BM_LoadMnist10k(benchmark::State& state) {
  logz::DataOptions options;
  options.source = "mnist10k";
  for (auto _ : state) {
    const logz::Dataset data = logz::load_dataset(options);
    benchmark::DoNotOptimize(logz::visible_log_odds(data.train).data());
  }
}
BENCHMARK(BM_LoadMnist10k)->Unit(benchmark::kMillisecond)->UseRealTime();

BENCHMARK_MAIN();
