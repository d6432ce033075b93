// logz report RUN_DIR: one self-contained HTML page about a training run
// (report/report.hpp), written atomically to RUN_DIR/report.html or --out.
#include <fmt/format.h>

#include <filesystem>

#include "logz/cli/commands.hpp"
#include "logz/cli/common.hpp"
#include "logz/io/file.hpp"
#include "logz/report/report.hpp"
#include "logz/report/run_folder.hpp"

namespace logz::cli {
namespace {

struct ReportFlags {
  std::string run_folder;
  std::string out;
  bool json = false;
};

void run(const ReportFlags& flags) {
  const report::RunFolder folder = report::read_run_folder(flags.run_folder);
  const report::Report page = report::make_report(folder);
  const std::string out = flags.out.empty()
                              ? (std::filesystem::path(flags.run_folder) / "report.html").string()
                              : flags.out;
  write_file_atomic(out, page.html);
  if (flags.json) {
    print_json({{"report", out},
                {"bytes", page.html.size()},
                {"charts", page.chart_titles},
                {"pictures", page.picture_files},
                {"log_z_rows", page.log_z_rows}});
    return;
  }
  fmt::print("wrote {} ({} chart{}, {} picture{}, {} log Z row{}; {:.0f} kB)\n", out,
             page.chart_titles.size(), page.chart_titles.size() == 1 ? "" : "s",
             page.picture_files.size(), page.picture_files.size() == 1 ? "" : "s", page.log_z_rows,
             page.log_z_rows == 1 ? "" : "s", static_cast<double>(page.html.size()) / 1000.0);
}

}  // namespace

Command add_report_command(CLI::App& app) {
  auto flags = std::make_shared<ReportFlags>();
  CLI::App* command = app.add_subcommand(
      "report",
      "Write one self-contained HTML page about a run: curves, pictures, log Z, settings");
  command->add_option("run_folder", flags->run_folder, "Run folder written by logz train --out")
      ->required();
  command->add_option("--out", flags->out, "HTML file to write (default: RUN_FOLDER/report.html)");
  command->add_flag(
      "--json", flags->json,
      "Print one JSON object: report (the path), bytes, charts (titles), pictures, log_z_rows");
  return {command, [flags] { run(*flags); }};
}

}  // namespace logz::cli
