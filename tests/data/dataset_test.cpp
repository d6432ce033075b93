#include "logz/data/dataset.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <cstdlib>
#include <limits>

#include "logz/data/data_array.hpp"
#include "logz/error.hpp"
#include "testing/temp_dir.hpp"

namespace logz {
namespace {

TEST(Dataset, BundledMnistHasItsSplitLabelsAndBinaryPixels) {
  DataOptions options;  // mnist10k, auto binarization
  const Dataset data = load_dataset(options);
  EXPECT_EQ(data.name, "mnist10k");
  EXPECT_EQ(data.train.rows(), 9000);
  EXPECT_EQ(data.test.rows(), 1000);
  EXPECT_EQ(data.train.cols(), 784);
  EXPECT_EQ(data.image_height, 28);
  EXPECT_EQ(data.train_labels.size(), 9000u);
  EXPECT_EQ(data.test_labels.size(), 1000u);
  EXPECT_TRUE(data.binary);
  EXPECT_EQ(data.binarization, Binarization::threshold);
  // Threshold at half the maximum is the usual pixel > 127.
  const DataArray raw = read_idx(std::string(LOGZ_TEST_DATA_DIR) + "/mnist10k/images-idx3-ubyte.gz");
  EXPECT_EQ(data.train.sum(), (raw.values.topRows(9000).array() > 127.0f).count());
  EXPECT_EQ(data.test.row(999), (raw.values.row(9999).array() > 127.0f).cast<float>().matrix());
}

TEST(Dataset, StochasticBinarizationIsSeededAndMatchesIntensities) {
  DataOptions options;
  options.binarization = Binarization::stochastic;
  options.seed = 3;
  const Dataset a = load_dataset(options), b = load_dataset(options);
  EXPECT_EQ(a.train, b.train);
  options.seed = 4;
  EXPECT_NE(load_dataset(options).train, a.train);
  options.binarization = Binarization::none;
  const Dataset grey = load_dataset(options);
  EXPECT_FALSE(grey.binary);
  const double expected = grey.train.cast<double>().sum();
  const double n = static_cast<double>(grey.train.size());
  EXPECT_NEAR(a.train.cast<double>().sum(), expected, 5 * std::sqrt(n * 0.25));
}

TEST(Dataset, FileSourcesSplitAndScale) {
  testing::TempDir dir;
  std::string csv;
  for (int i = 0; i < 20; ++i) csv += std::to_string(i % 3) + "," + std::to_string(i % 2 * 4) + "\n";
  testing::write_text(dir.file("d.csv"), csv);
  DataOptions options;
  options.source = dir.file("d.csv");
  const Dataset data = load_dataset(options);
  EXPECT_EQ(data.train.rows(), 18);  // 10% held out
  EXPECT_EQ(data.test.rows(), 2);
  EXPECT_FLOAT_EQ(data.train.maxCoeff(), 1.0f);  // divided by the maximum, 4
  EXPECT_FLOAT_EQ(data.train(1, 1), 1.0f);
  EXPECT_FLOAT_EQ(data.train(1, 0), 0.25f);
  EXPECT_EQ(data.binarization, Binarization::none);  // "auto" leaves non-image files alone
  options.test_count = 5;
  EXPECT_EQ(load_dataset(options).test.rows(), 5);
  options.test_count = 20;
  EXPECT_THROW(load_dataset(options), SettingError);
}

TEST(Dataset, RejectsNonFiniteValuesNamingRowAndColumn) {
  testing::TempDir dir;
  const auto expect_error = [](const std::string& path, const std::string& fragment) {
    DataOptions options;
    options.source = path;
    try {
      load_dataset(options);
      ADD_FAILURE() << path;
    } catch (const FileError& e) {
      EXPECT_NE(std::string(e.what()).find(fragment), std::string::npos) << e.what();
      EXPECT_EQ(e.path(), path);
    }
  };
  // CSV names the line of the file (a header line counts), binary formats the example.
  testing::write_text(dir.file("nan.csv"), "a,b\n1,2\n3,nan\n");
  expect_error(dir.file("nan.csv"), "line 3, column 2: \"nan\" is not a finite number");
  MatrixF values(3, 2);
  values << 0, 1, 1, 0, std::numeric_limits<float>::infinity(), 1;
  write_idx(dir.file("inf.idx"), {3, 2}, values, IdxType::float32);
  expect_error(dir.file("inf.idx"), "row 3, column 1: value inf is not finite");
}

TEST(Dataset, RejectsEmptySourcesAndNanThresholds) {
  DataOptions options;
  options.source = "";
  try {
    load_dataset(options);
    FAIL();
  } catch (const SettingError& e) {
    EXPECT_EQ(e.setting(), "--data");
  }
  options.source = "mnist10k";
  options.threshold = std::nan("");
  try {
    load_dataset(options);
    FAIL();
  } catch (const SettingError& e) {
    EXPECT_EQ(e.setting(), "--threshold");
  }
}

TEST(Dataset, MissingFashionMnistNamesTheDebianPackage) {
  setenv("LOGZ_FASHION_MNIST_DIR", "/nonexistent/fashion", 1);
  DataOptions options;
  options.source = "fashion-mnist";
  try {
    load_dataset(options);
    FAIL();
  } catch (const FileError& e) {
    EXPECT_NE(std::string(e.what()).find("apt-get install dataset-fashion-mnist"), std::string::npos);
  }
  unsetenv("LOGZ_FASHION_MNIST_DIR");
}

TEST(Dataset, LabelsThatDoNotMatchTheImagesAreRefused) {
  testing::TempDir dir;
  MatrixF images = MatrixF::Zero(3, 4);
  write_idx(dir.file("train-images-idx3-ubyte.gz"), {3, 2, 2}, images, IdxType::unsigned_byte);
  write_idx(dir.file("t10k-images-idx3-ubyte.gz"), {3, 2, 2}, images, IdxType::unsigned_byte);
  MatrixF labels = MatrixF::Zero(2, 1);  // one short
  write_idx(dir.file("train-labels-idx1-ubyte.gz"), {2}, labels, IdxType::unsigned_byte);
  write_idx(dir.file("t10k-labels-idx1-ubyte.gz"), {2}, labels, IdxType::unsigned_byte);
  setenv("LOGZ_FASHION_MNIST_DIR", dir.file("").c_str(), 1);
  DataOptions options;
  options.source = "fashion-mnist";
  try {
    load_dataset(options);
    ADD_FAILURE();
  } catch (const FileError& e) {
    EXPECT_NE(std::string(e.what()).find("holds 2 labels"), std::string::npos) << e.what();
    EXPECT_NE(e.path().find("train-labels"), std::string::npos) << e.what();
  }
  unsetenv("LOGZ_FASHION_MNIST_DIR");
}

TEST(Dataset, FashionMnistUsesItsOwnTestSet) {
  ASSERT_TRUE(std::filesystem::exists("/usr/share/datasets/fashion-mnist/train-images-idx3-ubyte.gz"))
      << "the tests need Debian's dataset-fashion-mnist (scripts/setup.sh installs it)";
  DataOptions options;
  options.source = "fashion-mnist";
  const Dataset data = load_dataset(options);
  EXPECT_EQ(data.train.rows(), 60000);
  EXPECT_EQ(data.test.rows(), 10000);
  EXPECT_EQ(data.test_labels.size(), 10000u);
}

TEST(Dataset, BadFlagsNameTheFlag) {
  DataOptions options;
  options.threshold = 1.5;
  try {
    load_dataset(options);
    FAIL();
  } catch (const SettingError& e) {
    EXPECT_EQ(e.setting(), "--threshold");
  }
  EXPECT_THROW(parse_binarization("sometimes"), SettingError);
}

}  // namespace
}  // namespace logz
