// The categorical half of load_dataset (dataset.hpp): alignments and files of
// integer codes, split into training and test rows, checked and weighed.
#pragma once

#include "logz/data/dataset.hpp"
#include "logz/data/source_file.hpp"

namespace logz {

// The data set of an alignment or (with options.states) of a numeric file of
// integer codes in [0, states): split as dataset.hpp says, codes as read,
// Dataset::states, alphabet and names set. The test file, if any, is read
// here and must be of the same kind and width.
Dataset load_categorical(const DataOptions& options, SourceFile train);

// Settings that only categorical data takes (alphabet, unknown_as_gap,
// reweight) on other data, and preprocessing that categorical data never
// gets (binarization, uniform dequantization, standardization) asked for
// explicitly: SettingError naming the flag.
void check_categorical_settings(const DataOptions& options, const Dataset& dataset);

// Sets the sequence weights of both splits (reweight > 0, sequence_weights.hpp)
// and effective_train_size.
void weigh_sequences(Dataset& dataset, double reweight);

}  // namespace logz
