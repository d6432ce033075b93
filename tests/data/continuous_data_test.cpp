// Dequantization and standardization of data for models of real-valued units.
#include <gtest/gtest.h>

#include <cmath>

#include "logz/data/data_array.hpp"
#include "logz/data/dataset.hpp"
#include "logz/error.hpp"

namespace logz {
namespace {

DataOptions dequantized_mnist(std::uint64_t seed) {
  DataOptions options;
  options.binarization = Binarization::none;
  options.dequantization = Dequantization::if_pixels;
  options.seed = seed;
  return options;
}

TEST(ContinuousData, DequantizedPixelsFallInTheirGrayLevelsInterval) {
  const Dataset data = load_dataset(dequantized_mnist(1));
  EXPECT_TRUE(data.dequantized);
  EXPECT_FALSE(data.binary);
  const DataArray raw = read_idx(std::string(LOGZ_TEST_DATA_DIR) + "/mnist10k/images-idx3-ubyte.gz");
  // x = (k + u) / 256: k = floor(256 x), and u = 256 x - k is uniform on [0, 1).
  double sum = 0.0, squares = 0.0;
  const Index n = data.train.size();
  for (Index i = 0; i < data.train.rows(); ++i) {
    for (Index j = 0; j < data.train.cols(); ++j) {
      const double x = data.train(i, j), k = raw.values(i, j);
      ASSERT_GE(x * 256.0, k - 1e-4) << i << "," << j;
      ASSERT_LE(x * 256.0, k + 1.0 + 1e-4) << i << "," << j;
      const double u = x * 256.0 - k;
      sum += u;
      squares += u * u;
    }
  }
  const double mean = sum / static_cast<double>(n), variance = squares / static_cast<double>(n) - mean * mean;
  // Uniform(0, 1): mean 1/2 (standard error 0.29 / sqrt(7 million) = 1e-4), variance 1/12.
  EXPECT_NEAR(mean, 0.5, 5e-4);
  EXPECT_NEAR(variance, 1.0 / 12.0, 5e-4);
  // The test split too, and the same seed gives the same values.
  EXPECT_EQ(load_dataset(dequantized_mnist(1)).test, data.test);
  EXPECT_NE(load_dataset(dequantized_mnist(2)).train, data.train);
}

TEST(ContinuousData, DequantizingBinarizedPixelsIsRefused) {
  DataOptions options = dequantized_mnist(1);
  options.binarization = Binarization::threshold;
  try {
    load_dataset(options);
    FAIL() << "expected a SettingError";
  } catch (const SettingError& e) {
    EXPECT_NE(std::string(e.what()).find("--dequantize"), std::string::npos) << e.what();
  }
}

TEST(ContinuousData, StandardizationGivesZeroMeanUnitVarianceAndItsJacobian) {
  DataOptions options = dequantized_mnist(1);
  const Dataset raw = load_dataset(options);
  options.standardize = true;
  const Dataset data = load_dataset(options);
  EXPECT_TRUE(data.standardized);
  double log_jacobian = 0.0;
  for (Index j = 0; j < data.train.cols(); ++j) {
    const Eigen::ArrayXd column = data.train.col(j).cast<double>().array();
    EXPECT_NEAR(column.mean(), 0.0, 1e-4) << j;
    EXPECT_NEAR((column - column.mean()).square().mean(), 1.0, 1e-3) << j;
    // The scale that maps the raw column onto it, and the test split mapped alike.
    const Eigen::ArrayXd x = raw.train.col(j).cast<double>().array();
    const double scale = std::sqrt((x - x.mean()).square().mean());
    log_jacobian -= std::log(scale);
    EXPECT_NEAR(data.test(0, j), (raw.test(0, j) - x.mean()) / scale, 1e-3) << j;
  }
  EXPECT_NEAR(data.log_jacobian, log_jacobian, 1e-6 * std::fabs(log_jacobian));
}

}  // namespace
}  // namespace logz
