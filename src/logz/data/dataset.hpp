// Data sets as logz uses them: a training and a test matrix [n, n_visible],
// values scaled to [0, 1], binarized when the model needs binary units.
//
// Sources (DataOptions::source):
//   "mnist10k"       10,000 MNIST digits bundled with logz (data/mnist10k);
//                    the last 1,000 are the test set.
//   "fashion-mnist"  Fashion-MNIST from Debian's package dataset-fashion-mnist
//                    (/usr/share/datasets/fashion-mnist, or $LOGZ_FASHION_MNIST_DIR);
//                    60,000 training and its own 10,000 test images.
//   anything else    a path to an IDX, CSV or NPY file (optionally .gz); the test
//                    set is `test_source` if given, else the last `test_count`
//                    rows (default: 10%, at least one row).
//
// Scaling: 8-bit unsigned data (image pixels) is divided by 255; other
// non-negative data whose training maximum exceeds 1 is divided by that
// maximum; data within [0, 1] or with negative values is kept as is (the
// test set is scaled like the training set). Values must be finite.
//
// Binarization: threshold (x > threshold, default 0.5 of the maximum, the
// usual x > 127 for pixels) or stochastic (x ~ Bernoulli(value), seeded).
// "auto" thresholds the image data sets and 8-bit files that are not already
// binary, maps data of {-1, +1} spins to {0, 1} (x = (s + 1) / 2), and leaves
// other files as they are.
//
// Dequantization, for models of real-valued units: 8-bit pixels k become
// x = (k + u) / 256 with u ~ Uniform(0, 1) (seeded), values in (0, 1) that
// spread each gray level over its own interval of width 1/256. A density on
// them is a proper continuous density (a model on the raw levels could put
// infinite density on the point masses at 0 and 1), and its log-likelihood
// in nats per image minus D log 256 bounds the log-probability of the
// discrete levels from below (Theis, van den Oord & Bethge, "A note on the
// evaluation of generative models", ICLR 2016). "if_pixels" dequantizes
// 8-bit image data and leaves other data as it is.
//
// Standardization (after dequantization): each column becomes
// y = (x - m) / s with the training split's mean m and standard deviation s
// (s = 1 for a constant column), the test split alike, as Hinton's practical
// guide advises for Gaussian visible units. A density on y is one on x times
// the Jacobian: log p(x) = log p(y) + log_jacobian, log_jacobian = -sum log s.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "logz/math/matrix.hpp"

namespace logz {

enum class Binarization { automatic, none, threshold, stochastic };
enum class Dequantization { none, if_pixels, uniform };

struct DataOptions {
  std::string source = "mnist10k";
  std::string test_source;
  std::optional<Index> test_count;
  Binarization binarization = Binarization::automatic;
  double threshold = 0.5;
  std::uint64_t seed = 0;  // stochastic binarization and dequantization
  Dequantization dequantization = Dequantization::none;
  bool standardize = false;
};

struct Dataset {
  std::string name;
  MatrixF train;
  MatrixF test;
  std::vector<int> train_labels, test_labels;  // empty when the source has none
  Index image_height = 0, image_width = 0;     // 0 when rows are not images
  bool pixels = false;                          // read from 8-bit image data
  bool spins = false;                           // read as {-1, +1}, mapped to {0, 1}
  bool binary = false;                          // every value is 0 or 1
  Binarization binarization = Binarization::none;  // what was applied
  bool dequantized = false;                        // what was applied
  bool standardized = false;                       // what was applied
  double log_jacobian = 0.0;  // log p(original x) - log p(standardized y), per example
};

Dataset load_dataset(const DataOptions& options);

// Where the bundled data lives: $LOGZ_DATA_DIR, the source tree's data/ or
// the installed share/logz/data, whichever exists first.
std::string bundled_data_dir();

// Parses "auto", "none", "threshold", "stochastic"; throws SettingError("--binarize").
Binarization parse_binarization(const std::string& text);
std::string to_string(Binarization binarization);
// Parses "auto" (if_pixels), "none", "uniform"; throws SettingError("--dequantize").
Dequantization parse_dequantization(const std::string& text);
std::string to_string(Dequantization dequantization);

// The first non-binary value of `data`, as (row, column), if any.
std::optional<std::pair<Index, Index>> find_non_binary(ConstMatrixRef data);

}  // namespace logz
