// Inverse-temperature schedules 0 = beta_0 < ... < beta_K = 1 for annealing.
//
//   linear(K)   K equal steps
//   sm2008      Salakhutdinov & Murray (2008): 500 steps on [0, 0.5], 4,000 on
//               [0.5, 0.9], 10,000 on [0.9, 1.0] (14,500 steps, 14,501 betas)
//   a file      numbers separated by spaces, commas or newlines ('#' starts a
//               comment); must start at 0, end at 1 and never decrease
#pragma once

#include <string>
#include <vector>

namespace logz {

std::vector<double> linear_schedule(std::size_t steps);
std::vector<double> sm2008_schedule();
// The shape of sm2008 in `steps` steps (500 : 4,000 : 10,000 of them on the
// three segments): a short or long version of it.
std::vector<double> sm2008_shaped_schedule(std::size_t steps);
std::vector<double> read_schedule(const std::string& path);

// Throws SettingError(setting) unless betas run from 0 to 1 without decreasing.
void validate_schedule(const std::vector<double>& betas, const std::string& setting);

}  // namespace logz
