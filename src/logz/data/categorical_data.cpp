#include "logz/data/categorical_data.hpp"

#include <fmt/format.h>

#include <cmath>
#include <numeric>

#include "logz/data/sequence_weights.hpp"
#include "logz/error.hpp"

namespace logz {
namespace {

// Integer codes of `states` values: every value an integer in [0, states).
void check_codes(ConstMatrixRef values, int states, const std::string& path) {
  for (Index i = 0; i < values.rows(); ++i) {
    for (Index j = 0; j < values.cols(); ++j) {
      const float x = values(i, j);
      if (!(x >= 0.0f && x < static_cast<float>(states)) || x != std::floor(x)) {
        throw FileError(path, fmt::format("row {}, column {}: value {} is not a state 0..{} "
                                          "(--states {} reads integer codes)",
                                          i + 1, j + 1, x, states - 1, states));
      }
    }
  }
}

// How many rows at the end are held out as the test split: `test_count`
// (default: 10%, at least one), or none when a test file is given.
Index held_out_rows(const DataOptions& options, Index n) {
  if (!options.test_source.empty()) return 0;
  const Index test_count = options.test_count.value_or(std::max<Index>(1, n / 10));
  if (test_count < 0 || test_count >= n) {
    throw SettingError("--test-count",
                       fmt::format("must be in [0, {}) for {} ({} rows)", n, options.source, n));
  }
  return test_count;
}

}  // namespace

Dataset load_categorical(const DataOptions& options, SourceFile train) {
  Dataset dataset;
  dataset.name = options.source;
  std::optional<SourceFile> test;
  if (!options.test_source.empty()) test = read_source_file(options.test_source, options);
  if (train.alignment) {
    Alignment& alignment = *train.alignment;
    dataset.states = alignment.alphabet.size();
    dataset.alphabet = alignment.alphabet.letters;
    if (options.states != 0 && options.states != dataset.states) {
      throw SettingError("--states",
                         fmt::format("is {}, but {} is an alignment in the {} alphabet "
                                     "of {} letters (--states is for CSV, NPY or IDX "
                                     "files of integer codes)",
                                     options.states, options.source,
                                     alignment.alphabet.name_or_letters(), dataset.states));
    }
    const Index n = alignment.codes.rows();
    const Index test_count = held_out_rows(options, n);
    dataset.train = alignment.codes.topRows(n - test_count);
    dataset.test = alignment.codes.bottomRows(test_count);
    dataset.train_names.assign(alignment.names.begin(), alignment.names.end() - test_count);
    dataset.test_names.assign(alignment.names.end() - test_count, alignment.names.end());
    if (test) {
      if (!test->alignment) {
        throw FileError(options.test_source, fmt::format("is not an alignment, but the training "
                                                         "data {} is",
                                                         options.source));
      }
      dataset.test = std::move(test->alignment->codes);
      dataset.test_names = std::move(test->alignment->names);
    }
  } else {
    dataset.states = options.states;
    check_codes(train.array.values, options.states, options.source);
    const Index n = train.array.values.rows();
    const Index test_count = held_out_rows(options, n);
    dataset.train = train.array.values.topRows(n - test_count);
    dataset.test = train.array.values.bottomRows(test_count);
    if (test) {
      if (test->alignment) {
        throw FileError(options.test_source, fmt::format("is an alignment, but the training data "
                                                         "{} is a file of numbers",
                                                         options.source));
      }
      check_codes(test->array.values, options.states, options.test_source);
      dataset.test = std::move(test->array.values);
    }
  }
  if (test && dataset.test.cols() != dataset.train.cols()) {
    throw FileError(options.test_source,
                    fmt::format("has {} columns, the training data {} has {}", dataset.test.cols(),
                                options.source, dataset.train.cols()));
  }
  return dataset;
}

void check_categorical_settings(const DataOptions& options, const Dataset& dataset) {
  if (dataset.states == 0) {
    const auto refuse = [&](const char* flag, const char* what) {
      throw SettingError(flag, fmt::format("is for {}; {} is neither an alignment nor read with "
                                           "--states",
                                           what, dataset.name));
    };
    if (!options.alphabet.empty()) refuse("--alphabet", "alignments");
    if (options.unknown_as_gap) refuse("--unknown-as-gap", "alignments");
    if (options.reweight != 0.0) refuse("--reweight", "categorical data");
    return;
  }
  const std::string what =
      fmt::format("{} holds categorical data (codes of {} states)", dataset.name, dataset.states);
  if (options.binarization == Binarization::threshold ||
      options.binarization == Binarization::stochastic) {
    throw SettingError("--binarize", what + ", which is not binarized: pass --binarize auto");
  }
  if (options.dequantization == Dequantization::uniform) {
    throw SettingError("--dequantize", what + ", which is not dequantized");
  }
  if (options.standardize) {
    throw SettingError("--standardize", what + ", which is not standardized");
  }
}

void weigh_sequences(Dataset& dataset, double reweight) {
  if (reweight > 0.0) {
    dataset.train_weights = identity_weights(dataset.train, reweight);
    dataset.test_weights = identity_weights(dataset.test, reweight);
    dataset.effective_train_size =
        std::accumulate(dataset.train_weights.begin(), dataset.train_weights.end(), 0.0);
  } else {
    dataset.effective_train_size = static_cast<double>(dataset.train.rows());
  }
}

}  // namespace logz
