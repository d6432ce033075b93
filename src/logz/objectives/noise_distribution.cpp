#include "logz/objectives/noise_distribution.hpp"

#include <fmt/format.h>

#include <Eigen/Cholesky>
#include <cassert>
#include <cmath>
#include <limits>
#include <numbers>
#include <string>
#include <vector>

#include "logz/error.hpp"
#include "logz/math/blas.hpp"
#include "logz/models/categorical.hpp"

namespace logz {
namespace {

class GaussianNoise final : public NoiseDistribution {
 public:
  // The factor and its inverse are kept in float for the products, which go
  // through gemm() (OpenBLAS, all cores): a batch of NCE on 784 pixels draws
  // and scores thousands of 784-dimensional samples, O(D^2) each. The squared
  // norms are summed in double; the density is exact to about 1e-6 relative.
  GaussianNoise(VectorD mean, const MatrixD& covariance) : mean_(std::move(mean)) {
    const MatrixD cholesky = covariance.llt().matrixL();
    factor_ = cholesky.cast<float>();
    const MatrixD inverse =
        cholesky.triangularView<Eigen::Lower>().solve(MatrixD::Identity(mean_.size(), mean_.size()));
    whitening_ = inverse.cast<float>();
    mean_float_ = mean_.cast<float>();
    log_normalizer_ = 0.5 * static_cast<double>(mean_.size()) * std::log(2.0 * std::numbers::pi) +
                      cholesky.diagonal().array().log().sum();
  }
  std::string_view name() const override { return "gaussian"; }
  Index dimension() const override { return mean_.size(); }

  // x = mu + L z, z ~ N(0, I): rows x = z L^T + mu.
  void sample(MatrixRef out, RandomStream& stream) const override {
    assert(out.cols() == dimension());
    MatrixF z(out.rows(), out.cols());
    stream.normal(std::span<float>(z.data(), static_cast<std::size_t>(z.size())), 0.0, 1.0);
    gemm(1.0f, z, Transpose::no, factor_, Transpose::yes, 0.0f, out);
    out.rowwise() += mean_float_.transpose();
  }

  // log N(x; mu, Sigma) = -log_normalizer - |L^-1 (x - mu)|^2 / 2.
  void log_density(ConstMatrixRef x, std::span<double> out) const override {
    assert(x.cols() == dimension() && static_cast<Index>(out.size()) == x.rows());
    const MatrixF centred = x.rowwise() - mean_float_.transpose();
    MatrixF whitened(x.rows(), x.cols());
    gemm(1.0f, centred, Transpose::no, whitening_, Transpose::yes, 0.0f, whitened);
    for (Index i = 0; i < x.rows(); ++i) {
      out[static_cast<std::size_t>(i)] =
          -log_normalizer_ - 0.5 * whitened.row(i).cast<double>().squaredNorm();
    }
  }

 private:
  VectorD mean_;
  VectorF mean_float_;
  MatrixF factor_;     // lower triangular L, L L^T = Sigma + r I
  MatrixF whitening_;  // L^-1
  double log_normalizer_ = 0.0;
};

class UniformNoise final : public NoiseDistribution {
 public:
  // The box's corners are rounded to float, the type of the samples, so that
  // a sample rounded to float never falls outside the box it was drawn in
  // (where its density would be zero and NCE's loss infinite).
  UniformNoise(const VectorD& lower, const VectorD& width)
      : lower_(lower.cast<float>().cast<double>()),
        width_((lower + width).cast<float>().cast<double>() - lower_) {
    log_volume_ = width_.array().log().sum();
  }
  std::string_view name() const override { return "uniform"; }
  Index dimension() const override { return lower_.size(); }

  void sample(MatrixRef out, RandomStream& stream) const override {
    assert(out.cols() == dimension());
    MatrixD u(out.rows(), out.cols());
    stream.uniform(std::span<double>(u.data(), static_cast<std::size_t>(u.size())));
    const Eigen::RowVectorXf lower = lower_.transpose().cast<float>();
    const Eigen::RowVectorXf upper = (lower_ + width_).transpose().cast<float>();
    out =
        ((u.array().rowwise() * width_.transpose().array()).rowwise() + lower_.transpose().array())
            .cast<float>();
    for (Index r = 0; r < out.rows(); ++r) {
      out.row(r) = out.row(r).cwiseMax(lower).cwiseMin(upper);
    }
  }

  void log_density(ConstMatrixRef x, std::span<double> out) const override {
    assert(x.cols() == dimension() && static_cast<Index>(out.size()) == x.rows());
    const VectorD upper = lower_ + width_;
    for (Index i = 0; i < x.rows(); ++i) {
      const VectorD row = x.row(i).cast<double>().transpose();
      const bool inside =
          (row.array() >= lower_.array()).all() && (row.array() <= upper.array()).all();
      out[static_cast<std::size_t>(i)] =
          inside ? -log_volume_ : -std::numeric_limits<double>::infinity();
    }
  }

 private:
  VectorD lower_, width_;
  double log_volume_ = 0.0;
};

class BernoulliNoise final : public NoiseDistribution {
 public:
  explicit BernoulliNoise(VectorD probability)
      : probability_(std::move(probability)),
        log_on_(probability_.array().log()),
        log_off_((1.0 - probability_.array()).log()) {}
  std::string_view name() const override { return "bernoulli"; }
  Index dimension() const override { return probability_.size(); }

  void sample(MatrixRef out, RandomStream& stream) const override {
    assert(out.cols() == dimension());
    MatrixD u(out.rows(), out.cols());
    stream.uniform(std::span<double>(u.data(), static_cast<std::size_t>(u.size())));
    for (Index r = 0; r < out.rows(); ++r) {
      for (Index i = 0; i < out.cols(); ++i)
        out(r, i) = u(r, i) < probability_(i) ? 1.0f : 0.0f;
    }
  }

  void log_density(ConstMatrixRef x, std::span<double> out) const override {
    assert(x.cols() == dimension() && static_cast<Index>(out.size()) == x.rows());
    const MatrixD on = x.cast<double>();
    const VectorD values = on * log_on_ + (1.0 - on.array()).matrix() * log_off_;
    for (Index i = 0; i < x.rows(); ++i)
      out[static_cast<std::size_t>(i)] = values(i);
  }

 private:
  VectorD probability_, log_on_, log_off_;
};

// Independent sites with log-probabilities log_p [L q] (site-major, each
// site's q entries normalized): draws by draw_categorical_base.
class CategoricalNoise final : public NoiseDistribution {
 public:
  CategoricalNoise(VectorF log_probability, Index states)
      : log_probability_(std::move(log_probability)), states_(states) {}
  std::string_view name() const override { return "categorical"; }
  Index dimension() const override { return log_probability_.size() / states_; }

  void sample(MatrixRef out, RandomStream& stream) const override {
    assert(out.cols() == dimension());
    draw_categorical_base(&log_probability_, states_, out, stream);
  }

  void log_density(ConstMatrixRef x, std::span<double> out) const override {
    assert(x.cols() == dimension() && static_cast<Index>(out.size()) == x.rows());
    for (Index r = 0; r < x.rows(); ++r) {
      double total = 0.0;
      for (Index i = 0; i < x.cols(); ++i)
        total += log_probability_(i * states_ + state_of(x(r, i)));
      out[static_cast<std::size_t>(r)] = total;
    }
  }

 private:
  VectorF log_probability_;
  Index states_;
};

void require_rows(ConstMatrixRef data) {
  if (data.rows() < 1 || data.cols() < 1) {
    throw SettingError("--noise", "cannot be fitted to an empty data set");
  }
}

}  // namespace

std::unique_ptr<NoiseDistribution> fit_gaussian_noise(ConstMatrixRef data) {
  require_rows(data);
  const MatrixD x = data.cast<double>();
  const VectorD mean = x.colwise().mean().transpose();
  const MatrixD centred = x.rowwise() - mean.transpose();
  MatrixD covariance = centred.transpose() * centred / static_cast<double>(x.rows());
  const double ridge = 1e-3 * covariance.trace() / static_cast<double>(x.cols()) + 1e-8;
  covariance.diagonal().array() += ridge;
  return std::make_unique<GaussianNoise>(mean, covariance);
}

std::unique_ptr<NoiseDistribution> fit_uniform_noise(ConstMatrixRef data) {
  require_rows(data);
  const MatrixD x = data.cast<double>();
  const VectorD low = x.colwise().minCoeff().transpose();
  const VectorD range = x.colwise().maxCoeff().transpose() - low;
  // 5% beyond each side, so the data's extremes are not on the edge; a
  // minimum width keeps a constant column's density finite.
  const VectorD width = (1.1 * range).cwiseMax(1e-3);
  const VectorD lower = low - 0.5 * (width - range);
  return std::make_unique<UniformNoise>(lower, width);
}

std::unique_ptr<NoiseDistribution> fit_bernoulli_noise(ConstMatrixRef data) {
  require_rows(data);
  if (!(data.array() == 0.0f || data.array() == 1.0f).all()) {
    throw SettingError("--noise",
                       "bernoulli noise needs binary data (every value 0 or 1); "
                       "use gaussian or uniform");
  }
  const double n = static_cast<double>(data.rows());
  const VectorD on = data.cast<double>().colwise().sum().transpose();
  return std::make_unique<BernoulliNoise>(((on.array() + 1.0) / (n + 2.0)).matrix());
}

std::unique_ptr<NoiseDistribution> fit_categorical_noise(ConstMatrixRef data, Index states) {
  require_rows(data);
  if (states < 2 || find_non_code(data, states)) {
    throw SettingError("--noise", fmt::format("categorical noise needs codes 0..q-1 of q >= 2 "
                                              "states (q = {})",
                                              states));
  }
  VectorF log_probability = site_log_frequencies(data, states);
  // Normalize each site in double: the frequencies sum to 1 up to rounding.
  for (Index i = 0; i < data.cols(); ++i) {
    const auto site = log_probability.segment(i * states, states);
    double total = 0.0;
    for (Index a = 0; a < states; ++a)
      total += std::exp(static_cast<double>(site(a)));
    log_probability.segment(i * states, states).array() -= static_cast<float>(std::log(total));
  }
  return std::make_unique<CategoricalNoise>(std::move(log_probability), states);
}

std::unique_ptr<NoiseDistribution> make_noise(std::string_view name, ConstMatrixRef data,
                                              Index states) {
  if (states > 0 && name != "categorical") {
    throw SettingError("--noise", fmt::format("categorical data ({} states) takes the noise "
                                              "categorical, not \"{}\"",
                                              states, printable(name)));
  }
  if (name == "gaussian") return fit_gaussian_noise(data);
  if (name == "uniform") return fit_uniform_noise(data);
  if (name == "bernoulli") return fit_bernoulli_noise(data);
  if (name == "categorical") {
    if (states == 0) {
      throw SettingError("--noise",
                         "categorical noise needs categorical data (an alignment, or "
                         "codes with --states)");
    }
    return fit_categorical_noise(data, states);
  }
  throw SettingError("--noise", fmt::format("unknown noise \"{}\" (logz knows: gaussian, uniform, "
                                            "bernoulli, categorical)",
                                            printable(name)));
}

}  // namespace logz
