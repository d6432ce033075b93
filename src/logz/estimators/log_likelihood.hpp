// The average log-likelihood of a data set given an estimate of log Z:
//
//   (1/n) sum_i log p(x_i) = -(1/n) sum_i F(x_i) - log Z
//
// Two uncertainties, reported apart because they answer different questions:
//   log_z_std_error     the estimator's: the average shifts by exactly -(error in
//                       log Z), so this is the error bar of the number itself
//                       (0 when log Z is exact);
//   std_error_of_mean   the spread of log p(x_i) over the examples / sqrt(n): how
//                       much the average would move on another sample of test data.
#pragma once

#include "logz/estimators/log_z_estimate.hpp"
#include "logz/models/energy_model.hpp"

namespace logz {

struct LogLikelihood {
  double average = 0.0;
  double log_z_std_error = 0.0;
  double std_error_of_mean = 0.0;
  Index examples = 0;
  LogZEstimate log_z;
};

LogLikelihood average_log_likelihood(const EnergyModel& model, ConstMatrixRef data,
                                     const LogZEstimate& log_z);

}  // namespace logz
