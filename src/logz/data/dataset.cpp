#include "logz/data/dataset.hpp"

#include <fmt/format.h>

#include <cmath>
#include <cstdlib>
#include <filesystem>

#include "logz/data/categorical_data.hpp"
#include "logz/data/data_array.hpp"
#include "logz/error.hpp"
#include "logz/io/file.hpp"
#include "logz/math/kernels.hpp"
#include "logz/math/random.hpp"

namespace logz {
namespace {

namespace fs = std::filesystem;

constexpr const char* kFashionMnistDir = "/usr/share/datasets/fashion-mnist";

DataArray read_checked(const std::string& path) {
  return checked_array(read_data_file(path), path);
}

// The labels of `images` rows; a file with another count does not belong to them.
std::vector<int> read_labels(const std::string& path, Index images, const std::string& images_path) {
  const DataArray array = read_idx(path);
  if (array.values.size() != images) {
    throw FileError(path, fmt::format("holds {} labels, but {} holds {} images", array.values.size(),
                                      images_path, images));
  }
  std::vector<int> labels(static_cast<std::size_t>(array.values.size()));
  for (Index i = 0; i < array.values.size(); ++i) {
    labels[static_cast<std::size_t>(i)] = static_cast<int>(array.values.data()[i]);
  }
  return labels;
}

bool is_binary(ConstMatrixRef data) { return !find_non_binary(data).has_value(); }

// Every value is -1 or +1, and some are -1.
bool is_spins(ConstMatrixRef data) {
  return data.size() > 0 && (data.array() == -1.0f || data.array() == 1.0f).all() &&
         (data.array() == -1.0f).any();
}

void set_image_shape(Dataset& dataset, const DataArray& array) {
  if (array.shape.size() == 3) {
    dataset.image_height = array.shape[1];
    dataset.image_width = array.shape[2];
  } else {
    const auto side = static_cast<Index>(std::lround(std::sqrt(static_cast<double>(array.values.cols()))));
    if (side * side == array.values.cols() && side > 1) dataset.image_height = dataset.image_width = side;
  }
}

// The build's inflated copy of a bundled file (CMake target logz_data) when
// it is there and the file is the source tree's: the same bytes, read
// without inflating them. An installed copy sits beside its .gz.
std::string inflated_if_built(const std::string& gz_path) {
  std::error_code ec;
  const fs::path path(gz_path);
  const fs::path inflated = path.parent_path() / path.stem();
  if (fs::is_regular_file(inflated, ec)) return inflated.string();
  const fs::path relative = path.lexically_relative(LOGZ_SOURCE_DATA_DIR);
  if (!relative.empty() && *relative.begin() != "..") {
    const fs::path built = fs::path(LOGZ_BUILD_DATA_DIR) / relative.parent_path() / path.stem();
    if (fs::is_regular_file(built, ec)) return built.string();
  }
  return gz_path;
}

std::string fashion_mnist_dir() {
  const char* env = std::getenv("LOGZ_FASHION_MNIST_DIR");
  return env != nullptr ? env : kFashionMnistDir;
}

Dataset load_named_idx(const std::string& name, const std::string& train_images,
                       const std::string& train_labels, const std::string& test_images,
                       const std::string& test_labels, Index test_count) {
  Dataset dataset;
  dataset.name = name;
  DataArray train = read_checked(train_images);
  set_image_shape(dataset, train);
  std::vector<int> labels = read_labels(train_labels, train.values.rows(), train_images);
  if (test_images.empty()) {
    const Index n = train.values.rows();
    if (test_count >= n) {
      throw SettingError("--test-count", fmt::format("must be in [0, {}) for {} ({} images)", n,
                                                     name, n));
    }
    // The test rows are copied out and the training rows kept where they
    // are: a row-major matrix drops its last rows without a copy.
    dataset.test = train.values.bottomRows(test_count);
    dataset.train = std::move(train.values);
    dataset.train.conservativeResize(n - test_count, Eigen::NoChange);
    dataset.train_labels.assign(labels.begin(), labels.end() - test_count);
    dataset.test_labels.assign(labels.end() - test_count, labels.end());
  } else {
    dataset.train = std::move(train.values);
    dataset.test = read_checked(test_images).values;
    if (dataset.test.cols() != dataset.train.cols()) {
      throw FileError(test_images, fmt::format("has {} values per image, {} has {}",
                                               dataset.test.cols(), train_images,
                                               dataset.train.cols()));
    }
    dataset.train_labels = std::move(labels);
    dataset.test_labels = read_labels(test_labels, dataset.test.rows(), test_images);
  }
  dataset.train /= 255.0f;
  dataset.test /= 255.0f;
  dataset.pixels = true;
  return dataset;
}

Dataset load_path(const DataOptions& options) {
  SourceFile file = read_source_file(options.source, options);
  if (file.alignment || options.states > 0) return load_categorical(options, std::move(file));
  Dataset dataset;
  dataset.name = options.source;
  const DataArray& train = file.array;
  set_image_shape(dataset, train);
  const Index n = train.values.rows();
  if (!options.test_source.empty()) {
    dataset.train = train.values;
    const DataArray test = read_checked(options.test_source);
    if (test.values.cols() != train.values.cols()) {
      throw FileError(options.test_source,
                      fmt::format("has {} values per row, the training data {} has {}",
                                  test.values.cols(), options.source, train.values.cols()));
    }
    dataset.test = test.values;
  } else {
    const Index test_count = options.test_count.value_or(std::max<Index>(1, n / 10));
    if (test_count < 0 || test_count >= n) {
      throw SettingError("--test-count", fmt::format("must be in [0, {}) for {} ({} rows)", n,
                                                     options.source, n));
    }
    dataset.train = train.values.topRows(n - test_count);
    dataset.test = train.values.bottomRows(test_count);
  }
  if (train.unsigned_bytes) {
    dataset.train /= 255.0f;
    dataset.test /= 255.0f;
  } else if (dataset.train.minCoeff() >= 0.0f && dataset.train.maxCoeff() > 1.0f) {
    const float max = dataset.train.maxCoeff();
    dataset.train /= max;
    dataset.test /= max;
  }
  dataset.pixels = train.unsigned_bytes;
  return dataset;
}

void binarize(MatrixF& data, const DataOptions& options, RandomStream& stream) {
  if (options.binarization == Binarization::stochastic) {
    MatrixF sample(data.rows(), data.cols());
    sample_bernoulli(data.cwiseMax(0.0f).cwiseMin(1.0f), sample, stream);
    data = std::move(sample);
  } else {
    // In place, one vectorized pass (x > t is 1 or 0, as before).
    const float t = static_cast<float>(options.threshold);
    float* x = data.data();
    for (Index i = 0; i < data.size(); ++i)
      x[i] = x[i] > t ? 1.0f : 0.0f;
  }
}

// x = k / 255 -> (k + u) / 256, u ~ Uniform(0, 1).
void dequantize_pixels(MatrixF& data, RandomStream& stream) {
  std::vector<float> noise(static_cast<std::size_t>(data.size()));
  stream.uniform(noise);
  float* x = data.data();
  for (std::size_t i = 0; i < noise.size(); ++i) {
    x[i] = (std::round(x[i] * 255.0f) + noise[i]) / 256.0f;
  }
}

// Training mean and standard deviation per column, in double.
void standardize_columns(Dataset& dataset) {
  const Index n = dataset.train.rows();
  if (n == 0) return;
  const MatrixD train = dataset.train.cast<double>();
  const VectorD mean = train.colwise().mean().transpose();
  const VectorD deviation =
      ((train.rowwise() - mean.transpose()).array().square().colwise().sum() / static_cast<double>(n))
          .sqrt()
          .matrix()
          .transpose();
  VectorD scale = deviation;
  for (Index j = 0; j < scale.size(); ++j) {
    if (!(scale(j) > 1e-12)) scale(j) = 1.0;  // a constant column stays as it is, centered
  }
  const auto apply = [&](MatrixF& x) {
    x = ((x.cast<double>().rowwise() - mean.transpose()).array().rowwise() /
         scale.transpose().array())
            .cast<float>()
            .matrix();
  };
  apply(dataset.train);
  apply(dataset.test);
  dataset.log_jacobian = -scale.array().log().sum();
}

}  // namespace

std::string bundled_data_dir() {
  if (const char* env = std::getenv("LOGZ_DATA_DIR")) return env;
  std::error_code ec;
  for (const fs::path& candidate : {fs::path(LOGZ_SOURCE_DATA_DIR), fs::path(LOGZ_INSTALL_DATA_DIR),
                                   fs::read_symlink("/proc/self/exe", ec).parent_path() / ".." /
                                       "share" / "logz" / "data"}) {
    if (fs::is_directory(candidate / "mnist10k", ec)) return candidate.string();
  }
  return LOGZ_SOURCE_DATA_DIR;
}

Dataset load_dataset(const DataOptions& options) {
  if (!(options.threshold > 0.0 && options.threshold < 1.0)) {  // NaN too
    throw SettingError("--threshold", fmt::format("{} is outside (0, 1): it is a fraction of the "
                                                  "maximum value", options.threshold));
  }
  if (options.source.empty()) {
    throw SettingError("--data", "is empty: name mnist10k, fashion-mnist or a file");
  }
  if (options.states < 0 || options.states == 1 || options.states > 256) {
    throw SettingError("--states",
                       fmt::format("{} is outside [2, 256] (0: not categorical)", options.states));
  }
  if (!(options.reweight >= 0.0 && options.reweight <= 1.0)) {
    throw SettingError("--reweight", fmt::format("{} is outside (0, 1]: an identity threshold "
                                                 "such as 0.8 (0: no weights)",
                                                 options.reweight));
  }
  if (options.states > 0 && (options.source == "mnist10k" || options.source == "fashion-mnist")) {
    throw SettingError("--states", fmt::format("is for CSV, NPY or IDX files of integer codes; "
                                               "{} is read as scaled pixels (give its IDX file "
                                               "instead)",
                                               options.source));
  }
  Dataset dataset;
  if (options.source == "mnist10k") {
    const std::string dir = bundled_data_dir() + "/mnist10k/";
    const Index test_count = options.test_count.value_or(1000);
    if (test_count < 0 || test_count >= 10000) {
      throw SettingError("--test-count", "must be in [0, 10000) for mnist10k");
    }
    dataset = load_named_idx("mnist10k", inflated_if_built(dir + "images-idx3-ubyte.gz"),
                             inflated_if_built(dir + "labels-idx1-ubyte.gz"), "", "", test_count);
  } else if (options.source == "fashion-mnist") {
    const std::string dir = fashion_mnist_dir();
    const std::string train_images = dir + "/train-images-idx3-ubyte.gz";
    if (!file_exists(train_images)) {
      throw FileError(train_images, "Fashion-MNIST is not installed; install Debian's package "
                                    "with `apt-get install dataset-fashion-mnist` (or set "
                                    "LOGZ_FASHION_MNIST_DIR to a folder holding its IDX files)");
    }
    dataset = load_named_idx("fashion-mnist", train_images, dir + "/train-labels-idx1-ubyte.gz",
                             dir + "/t10k-images-idx3-ubyte.gz", dir + "/t10k-labels-idx1-ubyte.gz",
                             0);
  } else {
    dataset = load_path(options);
  }
  check_categorical_settings(options, dataset);
  if (dataset.states > 0) {
    weigh_sequences(dataset, options.reweight);
    dataset.binary = is_binary(dataset.train) && is_binary(dataset.test);
    return dataset;
  }
  dataset.effective_train_size = static_cast<double>(dataset.train.rows());
  dataset.binarization = options.binarization;
  if (dataset.binarization == Binarization::automatic && is_spins(dataset.train) &&
      is_spins(dataset.test)) {
    // {-1, +1} spins become {0, 1} units (ising.hpp converts the parameters).
    dataset.train = (dataset.train.array() + 1.0f) / 2.0f;
    dataset.test = (dataset.test.array() + 1.0f) / 2.0f;
    dataset.spins = true;
  }
  if (dataset.binarization == Binarization::automatic) {
    // "auto" thresholds image pixels that are not binary already, nothing else.
    const bool binary = is_binary(dataset.train) && is_binary(dataset.test);
    dataset.binarization = dataset.pixels && !binary ? Binarization::threshold : Binarization::none;
  }
  if (dataset.binarization != Binarization::none) {
    DataOptions how = options;
    how.binarization = dataset.binarization;
    RandomStream stream = make_stream(options.seed, StreamId::binarization);
    binarize(dataset.train, how, stream);
    binarize(dataset.test, how, stream);
  }
  const bool dequantize = options.dequantization == Dequantization::uniform ||
                          (options.dequantization == Dequantization::if_pixels && dataset.pixels);
  if (dequantize) {
    if (!dataset.pixels) {
      throw SettingError("--dequantize", fmt::format("uniform dequantization is for 8-bit pixel "
                                                     "data; {} is not", dataset.name));
    }
    if (dataset.binarization != Binarization::none) {
      throw SettingError("--dequantize", "dequantized pixels cannot also be binarized; pass "
                                         "--binarize none");
    }
    RandomStream stream = make_stream(options.seed, StreamId::dequantization);
    dequantize_pixels(dataset.train, stream);
    dequantize_pixels(dataset.test, stream);
    dataset.dequantized = true;
  }
  if (options.standardize) {
    standardize_columns(dataset);
    dataset.standardized = true;
  }
  // Binarized data need no second look (a full pass over both splits).
  dataset.binary = (dataset.binarization != Binarization::none && !dataset.standardized) ||
                   (is_binary(dataset.train) && is_binary(dataset.test));
  return dataset;
}

std::optional<std::pair<Index, Index>> find_non_binary(ConstMatrixRef data) {
  for (Index i = 0; i < data.rows(); ++i) {
    // A whole row at a time (vectorized, no early exit), then the column.
    const auto row = data.row(i).array();
    if (((row == 0.0f) || (row == 1.0f)).all()) continue;
    for (Index j = 0; j < data.cols(); ++j) {
      const float x = data(i, j);
      if (x != 0.0f && x != 1.0f) return std::make_pair(i, j);
    }
  }
  return std::nullopt;
}

Binarization parse_binarization(const std::string& text) {
  if (text == "auto") return Binarization::automatic;
  if (text == "none") return Binarization::none;
  if (text == "threshold") return Binarization::threshold;
  if (text == "stochastic") return Binarization::stochastic;
  throw SettingError("--binarize", fmt::format("\"{}\" is not one of auto, none, threshold, "
                                               "stochastic", text));
}

std::string to_string(Binarization binarization) {
  switch (binarization) {
    case Binarization::automatic: return "auto";
    case Binarization::none: return "none";
    case Binarization::threshold: return "threshold";
    default: return "stochastic";
  }
}

Dequantization parse_dequantization(const std::string& text) {
  if (text == "auto") return Dequantization::if_pixels;
  if (text == "none") return Dequantization::none;
  if (text == "uniform") return Dequantization::uniform;
  throw SettingError("--dequantize", fmt::format("\"{}\" is not one of auto, none, uniform", text));
}

std::string to_string(Dequantization dequantization) {
  switch (dequantization) {
    case Dequantization::if_pixels: return "auto";
    case Dequantization::none: return "none";
    default: return "uniform";
  }
}

}  // namespace logz
