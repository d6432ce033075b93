#include "logz/report/charts.hpp"

#include <gtest/gtest.h>

namespace logz::report {
namespace {

std::vector<std::string> titles(const std::vector<Chart>& charts) {
  std::vector<std::string> names;
  for (const Chart& chart : charts) names.push_back(chart.title);
  return names;
}

TEST(LearningCurveCharts, DrawOnlyTheColumnsThatHaveValues) {
  const MetricsTable metrics = MetricsTable::parse(
      "epoch,epoch_seconds,elapsed_seconds,learning_rate,batch_objective,reconstruction_error,"
      "log_z,train_log_likelihood,test_log_likelihood\n"
      "1,0.5,0.5,0.1,,60,,,\n"
      "2,0.5,1.0,0.1,,58,140,-190,-191\n",
      "metrics.csv");
  const std::vector<Chart> charts = learning_curve_charts(metrics, "pcd");
  EXPECT_EQ(titles(charts),
            (std::vector<std::string>{"Reconstruction error", "log Z", "Log-likelihood",
                                      "Learning rate", "Time per epoch"}));
  const Chart& log_likelihood = charts[2];
  ASSERT_EQ(log_likelihood.curves.size(), 2u);
  EXPECT_EQ(log_likelihood.curves[0].column, "train_log_likelihood");
  EXPECT_EQ(log_likelihood.curves[1].label, "test");
  EXPECT_EQ(log_likelihood.curves[1].values,
            (std::vector<std::optional<double>>{std::nullopt, -191.0}));
  EXPECT_TRUE(log_likelihood.curves[1].std_error.empty());
  EXPECT_EQ(charts[0].curves.size(), 1u);  // no batch_reconstruction_error values
}

TEST(LearningCurveCharts, NamesTheLossOfTheMethod) {
  const MetricsTable metrics =
      MetricsTable::parse("epoch,batch_objective\n1,190.5\n", "metrics.csv");
  EXPECT_EQ(learning_curve_charts(metrics, "exact")[0].y_label,
            "mean negative log-likelihood (nats)");
  EXPECT_EQ(learning_curve_charts(metrics, "pl")[0].y_label,
            "negative pseudo-log-likelihood (nats)");
  EXPECT_EQ(learning_curve_charts(metrics, "")[0].y_label, "loss");
}

TEST(LearningCurveCharts, DrawAStandardErrorColumnAsABandAndUnknownColumnsAlone) {
  const MetricsTable metrics = MetricsTable::parse(
      "epoch,test_log_likelihood,test_log_likelihood_std_error,future_metric,empty_metric,"
      "lonely_std_error\n"
      "1,-191,1.5,3,,0.1\n"
      "2,-190,1.4,4,,0.2\n",
      "metrics.csv");
  const std::vector<Chart> charts = learning_curve_charts(metrics, "");
  EXPECT_EQ(titles(charts),
            (std::vector<std::string>{"Log-likelihood", "future_metric", "lonely_std_error"}));
  EXPECT_EQ(charts[0].curves[0].std_error, (std::vector<std::optional<double>>{1.5, 1.4}));
  EXPECT_TRUE(charts[1].curves[0].std_error.empty());
}

TEST(LearningCurveCharts, NumberTheRowsWhereThereIsNoEpoch) {
  const MetricsTable with = MetricsTable::parse("epoch,x\n5,1\n10,2\n", "m.csv");
  EXPECT_EQ(epochs(with), (std::vector<double>{5, 10}));
  const MetricsTable without = MetricsTable::parse("x\n1\n2\n3\n", "m.csv");
  EXPECT_EQ(epochs(without), (std::vector<double>{1, 2, 3}));
  const nlohmann::json json = charts_json(epochs(without), learning_curve_charts(without, ""));
  EXPECT_EQ(json["x"], nlohmann::json({1.0, 2.0, 3.0}));
  EXPECT_EQ(json["charts"][0]["curves"][0]["values"], nlohmann::json({1.0, 2.0, 3.0}));
  EXPECT_EQ(json["charts"][0]["curves"][0]["std_error"], nlohmann::json::array());
}

}  // namespace
}  // namespace logz::report
