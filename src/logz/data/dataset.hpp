// Data sets as logz uses them: a training and a test matrix [n, n_visible],
// values scaled to [0, 1], binarized when the model needs binary units.
//
// Sources (DataOptions::source):
//   "mnist10k"       10,000 MNIST digits bundled with logz (data/mnist10k);
//                    the last 1,000 are the test set.
//   "fashion-mnist"  Fashion-MNIST from Debian's package dataset-fashion-mnist
//                    (/usr/share/datasets/fashion-mnist, or $LOGZ_FASHION_MNIST_DIR);
//                    60,000 training and its own 10,000 test images.
//   anything else    a path to an IDX, CSV or NPY file or to a multiple sequence
//                    alignment (FASTA, A2M, Stockholm; alignment.hpp), optionally
//                    .gz; the test set is `test_source` if given, else the last
//                    `test_count` rows (default: 10%, at least one row).
//
// Categorical data, for Potts models: rows of integer codes 0..q-1 stored as
// floats (Dataset::states = q). Two sources:
//   - an alignment, recognized by its extension (.sto, .stk, .stockholm, .a2m,
//     .fa, .fasta, .afa, .aln, each optionally .gz) or by its content (a first
//     line starting with '>' or "# STOCKHOLM"); its letters are coded in
//     `alphabet` (protein when empty; alphabet.hpp). The held-out rows are the
//     last ones, as for other files: shuffle a family sorted by similarity
//     first, or give `test_source`.
//   - a CSV, NPY or IDX file of integer codes with `states` = q: every value
//     must be an integer in [0, q) (else FileError naming row and column).
// Categorical data is never scaled, binarized, dequantized or standardized
// (asking for any of these explicitly is a SettingError).
//
// Sequence weights (`reweight` = theta in (0, 1], sequence_weights.hpp):
// w_n = 1 / (number of rows at identity >= theta with row n), computed on the
// training rows alone for the training split (so that training never looks
// at the held-out rows) and on the test rows alone for the test split (the
// same rule, so that a weighted test log-likelihood sum_n w_n log p(x_n) /
// sum_n w_n counts each held-out cluster about once, as training does).
// Computing them on the whole family, as contact prediction does, would let
// the test rows change the training weights.
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
  int states = 0;               // q of a CSV/NPY/IDX file of integer codes; 0: not categorical
  std::string alphabet;         // of an alignment: protein (when empty), dna, rna or letters
  double reweight = 0.0;        // identity threshold theta of sequence weights; 0: no weights
  bool unknown_as_gap = false;  // an alignment's letters outside the alphabet read as gaps
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
  int states = 0;             // q when the data is categorical (codes 0..q-1), else 0
  std::string alphabet;       // an alignment's letters (letters[k] codes k); else empty
  std::vector<std::string> train_names, test_names;  // an alignment's sequence names; else empty
  std::vector<double> train_weights, test_weights;   // sequence weights; empty: all 1
  double effective_train_size = 0.0;  // N_eff = sum of train_weights, or the training rows
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
