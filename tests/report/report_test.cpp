#include "logz/report/report.hpp"

#include <gtest/gtest.h>

#include <regex>

#include "logz/error.hpp"
#include "logz/report/assets.hpp"
#include "logz/report/log_z_table.hpp"
#include "logz/report/run_folder.hpp"
#include "testing/temp_dir.hpp"

namespace logz::report {
namespace {

using testing::TempDir;
using testing::write_bytes;
using testing::write_text;

// The smallest valid PNG header: signature and an IHDR chunk of 28 x 14.
std::vector<std::uint8_t> png_header() {
  return {0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n', 0, 0, 0, 13, 'I', 'H', 'D', 'R',
          0,    0,   0,   28,  0,    0,    0,    14,   8, 0, 0, 0,  0,   0,   0,   0};
}

void write_run(const TempDir& run) {
  write_text(run.file("settings.json"),
             R"({"model": "bernoulli_rbm", "n_visible": 784, "n_hidden": 10,
    "method": "pcd", "data": "mnist10k", "note": "<script>alert('x')</script> & more"})");
  write_text(
      run.file("metrics.csv"),
      "epoch,elapsed_seconds,reconstruction_error,log_z,train_log_likelihood,test_log_likelihood\n"
      "1,0.1,61.2,139.18,-193.10,-192.97\n"
      "2,0.2,58.8,153.73,-196.65,-196.62\n");
}

std::string error_of(const std::string& path) {
  try {
    read_run_folder(path);
  } catch (const FileError& e) {
    return e.what();
  }
  return "";
}

TEST(RunFolder, ReadsSettingsMetricsPicturesAndSavedResultsByName) {
  TempDir run;
  write_run(run);
  write_bytes(run.file("filters.png"), png_header());
  write_text(run.file("estimate-b.json"), R"({"method": "ais", "log_z": 161.0, "std_error": 0.2})");
  write_text(run.file("estimate-a.json"), R"({"method": "exact", "log_z": 161.1})");
  write_text(run.file("eval.json"), R"({"avg_log_likelihood": -190.4})");
  write_text(run.file("notes.json"), "not read");
  const RunFolder folder = read_run_folder(run.file(""));
  ASSERT_TRUE(folder.settings.has_value());
  EXPECT_EQ(folder.settings->at("n_hidden"), 10);
  ASSERT_TRUE(folder.metrics.has_value());
  EXPECT_EQ(folder.metrics->rows(), 2u);
  ASSERT_EQ(folder.pictures.size(), 1u);
  EXPECT_EQ(folder.pictures[0].file_name, "filters.png");
  ASSERT_EQ(folder.results.size(), 3u);
  EXPECT_EQ(folder.results[0].file_name, "estimate-a.json");
  EXPECT_EQ(folder.results[1].file_name, "estimate-b.json");
  EXPECT_EQ(folder.results[2].file_name, "eval.json");
}

TEST(RunFolder, RefusesWhatIsNotARunAndNamesTheBadFile) {
  TempDir run;
  EXPECT_NE(error_of(run.file("missing")).find("not a folder"), std::string::npos);
  EXPECT_NE(error_of(run.file("")).find("holds neither settings.json nor metrics.csv"),
            std::string::npos);
  write_run(run);
  write_text(run.file("estimate-ais.json"), "\n");
  EXPECT_EQ(error_of(run.file("")), run.file("estimate-ais.json") +
                                        ": empty file (a `logz ... --json > FILE` that failed "
                                        "leaves one: delete it or run the command again)");
  write_text(run.file("estimate-ais.json"), "{\"log_z\": 1,}");
  EXPECT_EQ(error_of(run.file("")), run.file("estimate-ais.json") + ": not JSON at byte 13");
  write_text(run.file("estimate-ais.json"), "[1, 2]");
  EXPECT_EQ(error_of(run.file("")),
            run.file("estimate-ais.json") + ": holds a JSON array, not an object");
  std::filesystem::remove(run.file("estimate-ais.json"));
  write_text(run.file("samples.png"), "GIF89a");
  EXPECT_EQ(error_of(run.file("")),
            run.file("samples.png") + ": not a PNG file (no PNG signature)");
  std::filesystem::remove(run.file("samples.png"));
  write_text(run.file("metrics.csv"), "epoch,x\n1,y\n");
  EXPECT_EQ(error_of(run.file("")),
            run.file("metrics.csv") + ": line 2, column 2: \"y\" is not a number");
}

TEST(LogZTable, ShowsTheLastExactValuesOfTheMetricsThenEachSavedResult) {
  TempDir run;
  write_run(run);
  write_text(run.file("estimate-ais.json"), R"({"method": "ais", "log_z": 153.5, "std_error": 0.25,
    "lower": 153.0, "upper": 153.7, "effective_sample_size": 41.5, "chains": 100, "seconds": 2.5,
    "warnings": ["few effective samples"]})");
  write_text(run.file("eval-test.json"), R"({"avg_log_likelihood": -196.4, "std_error": 0.25,
    "std_error_of_mean": 1.43, "split": "test", "logz_method": "ais",
    "log_z_estimate": {"method": "ais", "log_z": 153.5, "std_error": 0.25}, "warnings": []})");
  const std::vector<LogZRow> rows = log_z_rows(read_run_folder(run.file("")));
  ASSERT_EQ(rows.size(), 3u);
  EXPECT_EQ(rows[0].source, "metrics.csv, epoch 2");
  EXPECT_EQ(rows[0].method, "exact");
  EXPECT_EQ(rows[0].log_z, "153.7300");
  EXPECT_EQ(rows[0].log_likelihoods,
            (std::vector<std::string>{"train: -196.6500", "test: -196.6200"}));
  EXPECT_EQ(rows[1].source, "estimate-ais.json");
  EXPECT_EQ(rows[1].log_z, "153.5000 +/- 0.2500");
  EXPECT_EQ(rows[1].details,
            (std::vector<std::string>{"interval [153.0000, 153.7000]", "effective sample size 41.5",
                                      "chains 100", "2.50 s"}));
  EXPECT_EQ(rows[1].warnings, (std::vector<std::string>{"few effective samples"}));
  EXPECT_EQ(rows[2].method, "ais");
  EXPECT_EQ(rows[2].log_z, "153.5000 +/- 0.2500");
  EXPECT_EQ(rows[2].log_likelihoods, (std::vector<std::string>{"test: -196.4000 +/- 0.2500"}));
}

TEST(Report, IsOneSelfContainedPageWithEveryFileTextEscaped) {
  TempDir run;
  write_run(run);
  write_bytes(run.file("samples.png"), png_header());
  write_text(run.file("estimate-<b>.json"), R"({"method": "<i>ais</i>", "log_z": 1.0})");
  const Report report = make_report(read_run_folder(run.file("")));
  const std::string& html = report.html;
  EXPECT_EQ(report.chart_titles,
            (std::vector<std::string>{"Reconstruction error", "log Z", "Log-likelihood"}));
  EXPECT_EQ(report.picture_files, (std::vector<std::string>{"samples.png"}));
  EXPECT_EQ(report.log_z_rows, 2u);
  EXPECT_NE(html.find("Content-Security-Policy"), std::string::npos);
  EXPECT_NE(html.find("&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt; &amp; more"),
            std::string::npos);
  EXPECT_EQ(html.find("<script>alert"), std::string::npos);
  EXPECT_NE(html.find("estimate-&lt;b&gt;.json"), std::string::npos);
  EXPECT_NE(html.find("&lt;i&gt;ais&lt;/i&gt;"), std::string::npos);
  EXPECT_NE(html.find("width=\"112\" height=\"56\" src=\"data:image/png;base64,iVBORw0KGgo"),
            std::string::npos);
  EXPECT_NE(html.find(std::string(assets::uplot_js())), std::string::npos);
  // The one URL in the page is in uPlot's banner comment; nothing loads it.
  const std::regex url("https?://[^\\s\"'<>)]*");
  std::vector<std::string> urls;
  for (auto it = std::sregex_iterator(html.begin(), html.end(), url); it != std::sregex_iterator();
       ++it) {
    urls.push_back(it->str());
  }
  EXPECT_EQ(urls, (std::vector<std::string>{"https://github.com/leeoniya/uPlot"}));
}

TEST(Report, WithoutMetricsHasNoChartsAndNoScriptToDrawThem) {
  TempDir run;
  write_text(run.file("settings.json"), R"({"method": "pl", "nested": {"a": 1}})");
  const Report report = make_report(read_run_folder(run.file("")));
  EXPECT_TRUE(report.chart_titles.empty());
  EXPECT_NE(report.html.find("No <code>metrics.csv</code> in this folder."), std::string::npos);
  EXPECT_NE(report.html.find("<code>nested.a</code>"), std::string::npos);
  EXPECT_EQ(report.html.find(std::string(assets::uplot_js())), std::string::npos);
}

}  // namespace
}  // namespace logz::report
