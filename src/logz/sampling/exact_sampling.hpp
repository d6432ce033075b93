// Exact samples of a small binary model, by enumerating all 2^V visible
// states: p(x) = exp(-F(x)) / Z, drawn by inverse-CDF lookup in double.
// For models of up to 24 visible units (the 2^V table must fit in memory);
// tests use it to make data whose generating parameters are known.
#pragma once

#include "logz/math/random.hpp"
#include "logz/models/energy_model.hpp"

namespace logz {

constexpr int kMaxExactSamplingBits = 24;

// Throws SettingError for a model that is not binary or has more than 24 visible units.
MatrixF sample_exactly(const EnergyModel& model, Index n, RandomStream& stream);

}  // namespace logz
