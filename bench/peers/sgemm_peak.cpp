// sgemm_peak.cpp: what this machine can do at most for logz's RBM work (the
// project's own peer; bench/README.md).
//
//  * OpenBLAS cblas_sgemm on the matrix products of a 784 x 500 RBM's CD-1 step
//    with minibatches of 100 (row-major, as PyTorch and numpy call it), alone
//    and as the minibatch's sequence of five, whose time x 100 is the
//    GEMM-only lower bound of a CD-1 epoch over 10,000 images;
//  * a large square product, the sustained sgemm rate;
//  * the FP32 fused multiply-add peak: independent FMA chains in registers,
//    AVX2 (ymm) and, where the CPU has it, AVX-512 (zmm), on N threads.
//
// Build (from the project root; no -march needed, the FMA loops pick their ISA):
//   g++ -O2 -std=c++17 bench/peers/sgemm_peak.cpp -o /tmp/sgemm_peak -lopenblas -pthread
// Run:
//   /tmp/sgemm_peak [THREADS...]       (default: 1 2)
// OpenBLAS reads OPENBLAS_CORETYPE and OPENBLAS_L2_SIZE when it loads: compare
// settings by running again under env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE.
// The thread counts are set with openblas_set_num_threads.
//
// Prints tables, then one line `RESULT {json}` (bench/compare.py reads it).
#include <cblas.h>
#include <immintrin.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <random>
#include <string>
#include <thread>
#include <vector>

namespace {

double seconds_now() {
  using clock = std::chrono::steady_clock;
  return std::chrono::duration<double>(clock::now().time_since_epoch()).count();
}

// One product C = A B (A, B possibly transposed), row-major, with its own operands.
struct Product {
  const char* name;
  bool trans_a, trans_b;
  int m, n, k;
  float beta;  // 0: overwrite C, 1: accumulate (the second gradient product)
  std::vector<float> a, b, c;

  Product(const char* name_, bool ta, bool tb, int m_, int n_, int k_, float beta_, std::mt19937& rng)
      : name(name_), trans_a(ta), trans_b(tb), m(m_), n(n_), k(k_), beta(beta_),
        a(static_cast<size_t>(m_) * k_), b(static_cast<size_t>(k_) * n_), c(static_cast<size_t>(m_) * n_) {
    std::uniform_real_distribution<float> uniform(-1.0f, 1.0f);
    for (float& x : a) x = uniform(rng);
    for (float& x : b) x = uniform(rng);
  }
  double flops() const { return 2.0 * m * n * k; }
  const char* kind() const {
    static const char* kinds[] = {"NN", "NT", "TN", "TT"};
    return kinds[(trans_a ? 2 : 0) + (trans_b ? 1 : 0)];
  }
  void run() {
    // Stored shapes: A is m x k (or k x m when transposed), B is k x n (or n x k).
    cblas_sgemm(CblasRowMajor, trans_a ? CblasTrans : CblasNoTrans, trans_b ? CblasTrans : CblasNoTrans, m, n,
                k, 1.0f, a.data(), trans_a ? m : k, b.data(), trans_b ? k : n, beta, c.data(), n);
  }
  // Largest error of a few entries against a double-precision dot product (beta = 0 only),
  // relative to the sum of the magnitudes.
  double spot_check(std::mt19937& rng) {
    std::fill(c.begin(), c.end(), 0.0f);
    float saved = beta;
    beta = 0.0f;
    run();
    beta = saved;
    double worst = 0.0;
    for (int t = 0; t < 32; ++t) {
      int i = static_cast<int>(rng() % m), j = static_cast<int>(rng() % n);
      double exact = 0.0, size = 0.0;
      for (int l = 0; l < k; ++l) {
        double x = trans_a ? a[static_cast<size_t>(l) * m + i] : a[static_cast<size_t>(i) * k + l];
        double y = trans_b ? b[static_cast<size_t>(j) * k + l] : b[static_cast<size_t>(l) * n + j];
        exact += x * y;
        size += std::fabs(x * y);
      }
      worst = std::max(worst, std::fabs(exact - c[static_cast<size_t>(i) * n + j]) / size);
    }
    return worst;
  }
};

struct Rate {
  double best, median;  // GFLOP/s
};

// Times `work` (flops per call) in rounds of at least 60 ms; the best and median round.
template <class Work>
Rate time_rounds(Work&& work, double flops, int rounds = 7) {
  work();
  double started = seconds_now();
  int calls = 0;
  while (seconds_now() - started < 0.03) {
    work();
    ++calls;
  }
  double per_call = (seconds_now() - started) / calls;
  int per_round = std::max(1, static_cast<int>(0.06 / per_call));
  std::vector<double> rates;
  for (int r = 0; r < rounds; ++r) {
    double t0 = seconds_now();
    for (int i = 0; i < per_round; ++i) work();
    rates.push_back(flops * per_round / (seconds_now() - t0) * 1e-9);
  }
  std::sort(rates.begin(), rates.end());
  return {rates.back(), rates[rates.size() / 2]};
}

// FMA chains: `chains` independent accumulators, each updated `steps` times.
constexpr int kAvx2Chains = 12;   // of 16 ymm registers
constexpr int kAvx512Chains = 24; // of 32 zmm registers

__attribute__((target("avx2,fma"))) float fma_avx2(long steps) {
  __m256 acc[kAvx2Chains];
  for (int i = 0; i < kAvx2Chains; ++i) acc[i] = _mm256_set1_ps(1.0f + 0.01f * i);
  const __m256 scale = _mm256_set1_ps(0.9999999f), shift = _mm256_set1_ps(1e-7f);
  for (long s = 0; s < steps; ++s) {
#pragma GCC unroll 12
    for (int i = 0; i < kAvx2Chains; ++i) acc[i] = _mm256_fmadd_ps(acc[i], scale, shift);
  }
  __m256 total = acc[0];
  for (int i = 1; i < kAvx2Chains; ++i) total = _mm256_add_ps(total, acc[i]);
  alignas(32) float lanes[8];
  _mm256_store_ps(lanes, total);
  return lanes[0];
}

__attribute__((target("avx512f"))) float fma_avx512(long steps) {
  __m512 acc[kAvx512Chains];
  for (int i = 0; i < kAvx512Chains; ++i) acc[i] = _mm512_set1_ps(1.0f + 0.01f * i);
  const __m512 scale = _mm512_set1_ps(0.9999999f), shift = _mm512_set1_ps(1e-7f);
  for (long s = 0; s < steps; ++s) {
#pragma GCC unroll 24
    for (int i = 0; i < kAvx512Chains; ++i) acc[i] = _mm512_fmadd_ps(acc[i], scale, shift);
  }
  __m512 total = acc[0];
  for (int i = 1; i < kAvx512Chains; ++i) total = _mm512_add_ps(total, acc[i]);
  alignas(64) float lanes[16];
  _mm512_store_ps(lanes, total);
  return lanes[0];
}

volatile float g_sink;

// GFLOP/s of `threads` threads each running kernel(steps) at once, best of 3.
double fma_rate(float (*kernel)(long), long steps, double flops_per_step, int threads) {
  double best = 0.0;
  for (int round = 0; round < 3; ++round) {
    std::atomic<int> ready{0};
    std::vector<std::thread> pool;
    std::vector<double> elapsed(threads);
    for (int t = 0; t < threads; ++t) {
      pool.emplace_back([&, t] {
        ready.fetch_add(1);
        while (ready.load() < threads) {
        }
        double t0 = seconds_now();
        g_sink = kernel(steps);
        elapsed[t] = seconds_now() - t0;
      });
    }
    for (auto& th : pool) th.join();
    double slowest = *std::max_element(elapsed.begin(), elapsed.end());
    best = std::max(best, threads * steps * flops_per_step / slowest * 1e-9);
  }
  return best;
}

std::string env_or_unset(const char* name) {
  const char* value = std::getenv(name);
  return value ? value : "(unset)";
}

std::string json_number(double x) {
  if (!std::isfinite(x)) return "null";
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.4g", x);
  return buf;
}

}  // namespace

int main(int argc, char** argv) {
  std::vector<int> thread_counts;
  for (int i = 1; i < argc; ++i) {
    int t = std::atoi(argv[i]);
    if (t < 1) {
      std::fprintf(stderr, "usage: %s [THREADS...]  (each >= 1)\n", argv[0]);
      return 2;
    }
    thread_counts.push_back(t);
  }
  if (thread_counts.empty()) thread_counts = {1, 2};
  const bool has_avx2 = __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
  const bool has_avx512 = __builtin_cpu_supports("avx512f");

  std::printf("OPENBLAS_CORETYPE=%s OPENBLAS_L2_SIZE=%s OPENBLAS_NUM_THREADS=%s\n",
              env_or_unset("OPENBLAS_CORETYPE").c_str(), env_or_unset("OPENBLAS_L2_SIZE").c_str(),
              env_or_unset("OPENBLAS_NUM_THREADS").c_str());
  std::printf("OpenBLAS: %s; kernels for %s\n", openblas_get_config(), openblas_get_corename());

  // The CD-1 minibatch of a 784 x 500 RBM, batch 100: v W (twice), h W^T, and
  // the gradient v^T p(h | v) for the data and the model (accumulated).
  const int batch = 100, visible = 784, hidden = 500;
  std::mt19937 rng(7);
  std::vector<Product> products;
  products.emplace_back("v W         (activation)", false, false, batch, hidden, visible, 0.0f, rng);
  products.emplace_back("h W^T       (reconstruction)", false, true, batch, visible, hidden, 0.0f, rng);
  products.emplace_back("v^T p(h|v)  (gradient)", true, false, visible, hidden, batch, 1.0f, rng);
  products.emplace_back("square 2048 (sustained)", false, false, 2048, 2048, 2048, 0.0f, rng);
  for (auto& p : products) {
    double error = p.spot_check(rng);
    if (error > 1e-5) std::printf("WARNING: %s is off by %.2g (relative)\n", p.name, error);
  }
  // Five products per minibatch: activation, reconstruction, activation, gradient, gradient.
  const int cd1_sequence[] = {0, 1, 0, 2, 2};
  double cd1_flops = 0.0;
  for (int i : cd1_sequence) cd1_flops += products[i].flops();
  const double batches_per_epoch = 10000.0 / batch;

  std::string json = "{\"openblas_core\": \"" + std::string(openblas_get_corename()) + "\", \"openblas_coretype\": \"" +
                     env_or_unset("OPENBLAS_CORETYPE") + "\", \"cd1_epoch_gflop\": " +
                     json_number(cd1_flops * batches_per_epoch * 1e-9) + ", \"threads\": {";
  for (size_t ti = 0; ti < thread_counts.size(); ++ti) {
    int threads = thread_counts[ti];
    openblas_set_num_threads(threads);
    std::printf("\nOpenBLAS threads %d\n", threads);
    std::printf("%-30s %4s %5s %5s %5s %10s %12s\n", "product", "op", "M", "N", "K", "best GF/s", "median GF/s");
    json += std::string(ti ? ", " : "") + "\"" + std::to_string(threads) + "\": {\"products\": {";
    for (size_t pi = 0; pi < products.size(); ++pi) {
      Product& p = products[pi];
      Rate r = time_rounds([&] { p.run(); }, p.flops());
      std::printf("%-30s %4s %5d %5d %5d %10.1f %12.1f\n", p.name, p.kind(), p.m, p.n, p.k, r.best, r.median);
      json += std::string(pi ? ", " : "") + "\"" + p.kind() + " " + std::to_string(p.m) + "x" +
              std::to_string(p.n) + "x" + std::to_string(p.k) + "\": " + json_number(r.best);
    }
    Rate cd1 = time_rounds(
        [&] {
          for (int i : cd1_sequence) products[i].run();
        },
        cd1_flops);
    double epoch = cd1_flops * batches_per_epoch / (cd1.best * 1e9);
    std::printf("%-30s %4s %5s %5s %5s %10.1f %12.1f\n", "CD-1 minibatch, 5 products", "", "", "", "", cd1.best,
                cd1.median);
    std::printf("GEMM-only lower bound of a CD-1 epoch (%.0f minibatches, %.1f GFLOP): %.3f s\n",
                batches_per_epoch, cd1_flops * batches_per_epoch * 1e-9, epoch);

    const long steps = 50000000;
    double avx2 = has_avx2 ? fma_rate(fma_avx2, steps, kAvx2Chains * 8 * 2.0, threads) : NAN;
    double avx512 = has_avx512 ? fma_rate(fma_avx512, steps / 2, kAvx512Chains * 16 * 2.0, threads) : NAN;
    if (has_avx2) std::printf("FMA peak, AVX2 (ymm), %d threads: %.1f GFLOP/s\n", threads, avx2);
    if (has_avx512) std::printf("FMA peak, AVX-512 (zmm), %d threads: %.1f GFLOP/s\n", threads, avx512);
    if (!has_avx512) std::printf("FMA peak, AVX-512: this CPU has no AVX-512\n");
    json += "}, \"cd1_batch_gflops\": " + json_number(cd1.best) + ", \"cd1_epoch_lower_bound_s\": " +
            json_number(epoch) + ", \"fma_avx2_gflops\": " + json_number(avx2) +
            ", \"fma_avx512_gflops\": " + json_number(avx512) + "}";
  }
  json += "}}";
  std::printf("RESULT %s\n", json.c_str());
  return 0;
}
