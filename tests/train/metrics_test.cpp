#include "logz/train/metrics.hpp"

#include <gtest/gtest.h>

#include "logz/error.hpp"

namespace logz {
namespace {

std::string error_of(std::string_view csv) {
  try {
    MetricsTable::parse(csv, "m.csv");
  } catch (const FileError& e) {
    return e.what();
  }
  return "";
}

TEST(MetricsTable, ReadsBackWhatItWrites) {
  MetricsTable written({"epoch", "log_z", "test_log_likelihood"});
  written.add_row({{"epoch", 1}, {"test_log_likelihood", -190.4315103}});
  written.add_row({{"epoch", 2}, {"log_z", 161.1017921}, {"test_log_likelihood", -189.5}});
  const MetricsTable read = MetricsTable::parse(written.csv(), "m.csv");
  EXPECT_EQ(read.columns(), (std::vector<std::string>{"epoch", "log_z", "test_log_likelihood"}));
  ASSERT_EQ(read.rows(), 2u);
  EXPECT_EQ(read.row(0), written.row(0));
  EXPECT_EQ(read.row(1), written.row(1));
  EXPECT_EQ(read.column("log_z"), (std::vector<std::optional<double>>{std::nullopt, 161.1017921}));
  EXPECT_TRUE(read.has_column("epoch"));
  EXPECT_FALSE(read.has_column("pseudo_log_likelihood"));
  EXPECT_EQ(read.column("pseudo_log_likelihood").size(), 2u);
  EXPECT_FALSE(read.column("pseudo_log_likelihood")[0].has_value());
}

TEST(MetricsTable, ANameNotInTheHeaderBecomesANewColumn) {
  MetricsTable table({"epoch", "loss"});
  table.add_row({{"epoch", 1}, {"loss", 2.5}});
  table.add_row({{"epoch", 2}, {"nce_accuracy", 0.75}});
  EXPECT_EQ(table.columns(), (std::vector<std::string>{"epoch", "loss", "nce_accuracy"}));
  EXPECT_EQ(table.csv(), "epoch,loss,nce_accuracy\n1,2.5,\n2,,0.75\n");
  EXPECT_EQ(table.row(0), (std::map<std::string, double>{{"epoch", 1}, {"loss", 2.5}}));
}

TEST(MetricsTable, AcceptsCarriageReturnsAndAMissingLastNewline) {
  const MetricsTable read = MetricsTable::parse("epoch,x\r\n1,2.5\r\n2,", "m.csv");
  ASSERT_EQ(read.rows(), 2u);
  EXPECT_EQ(read.column("x"), (std::vector<std::optional<double>>{2.5, std::nullopt}));
  EXPECT_EQ(MetricsTable::parse("epoch,x\n", "m.csv").rows(), 0u);
}

TEST(MetricsTable, RefusesBadFilesNamingTheLineAndColumn) {
  EXPECT_EQ(error_of(""), "m.csv: empty file (no header line)");
  EXPECT_EQ(error_of("epoch,x\n1,2\n3,abc\n"), "m.csv: line 3, column 2: \"abc\" is not a number");
  EXPECT_EQ(error_of("epoch,x\n1,2,3\n"),
            "m.csv: line 2 has 3 cells, but the header names 2 columns");
  EXPECT_EQ(error_of("epoch,,x\n"), "m.csv: line 1, column 2: empty column name");
  EXPECT_EQ(error_of("epoch,x,x\n"), "m.csv: line 1: column \"x\" appears twice");
  EXPECT_EQ(error_of("epoch\n1 \n"), "m.csv: line 2, column 1: \"1 \" is not a number");
}

}  // namespace
}  // namespace logz
