// The subcommands of `logz`. Each adds itself to the application with its
// flags and returns the function that runs it once the line is parsed.
#pragma once

#include <CLI/CLI.hpp>
#include <functional>

namespace logz::cli {

struct Command {
  CLI::App* app = nullptr;
  std::function<void()> run;
};

Command add_train_command(CLI::App& app);
Command add_estimate_command(CLI::App& app);
Command add_eval_command(CLI::App& app);
Command add_sample_command(CLI::App& app);
Command add_show_command(CLI::App& app);
Command add_report_command(CLI::App& app);
Command add_contacts_command(CLI::App& app);

}  // namespace logz::cli
