#include "logz/report/report.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <filesystem>

#include "logz/report/assets.hpp"
#include "logz/report/charts.hpp"
#include "logz/report/html.hpp"
#include "logz/report/log_z_table.hpp"

namespace logz::report {
namespace {

// Only inline scripts and styles, and images from data: URIs, may load.
constexpr const char* kContentSecurityPolicy =
    "default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; img-src data:";

std::string run_name(const std::string& path) {
  std::filesystem::path p(path);
  if (!p.has_filename()) p = p.parent_path();  // "runs/pcd25/"
  const std::string name = p.filename().string();
  return name.empty() || name == "." ? path : name;
}

std::string setting_text(const nlohmann::json& value) {
  return value.is_string() ? value.get<std::string>()
                           : value.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

// "n_hidden" -> "10"; nested objects as "parent.child".
void flatten(const nlohmann::json& object, const std::string& prefix,
             std::vector<std::pair<std::string, std::string>>& out) {
  for (const auto& [key, value] : object.items()) {
    if (value.is_object() && !value.empty()) {
      flatten(value, prefix + key + ".", out);
    } else {
      out.emplace_back(prefix + key, setting_text(value));
    }
  }
}

std::string setting(const RunFolder& run, const char* key) {
  if (!run.settings || !run.settings->contains(key)) return "";
  return setting_text(run.settings->at(key));
}

// One sentence of what the run was, from what settings.json and metrics.csv hold.
std::string summary(const RunFolder& run) {
  std::vector<std::string> parts;
  const std::string model = setting(run, "model"), visible = setting(run, "n_visible"),
                    hidden = setting(run, "n_hidden");
  if (!model.empty()) {
    std::string size =
        visible.empty() ? "" : " " + visible + (hidden.empty() ? "" : " x " + hidden);
    parts.push_back("<code>" + escape_html(model) + "</code>" + escape_html(size));
  }
  if (const std::string method = setting(run, "method"); !method.empty()) {
    parts.push_back("trained by <code>" + escape_html(method) + "</code>");
  }
  if (const std::string data = setting(run, "data"); !data.empty()) {
    parts.push_back("on " + escape_html(data));
  }
  if (run.metrics && run.metrics->rows() > 0) {
    const std::size_t last = run.metrics->rows() - 1;
    std::string epochs =
        fmt::format("{} epoch{}", run.metrics->rows(), run.metrics->rows() == 1 ? "" : "s");
    if (const auto seconds = run.metrics->column("elapsed_seconds")[last]) {
      epochs += fmt::format(" in {:.1f} s", *seconds);
    }
    parts.push_back(epochs);
  }
  std::string sentence;
  for (const std::string& part : parts) sentence += (sentence.empty() ? "" : ", ") + part;
  return sentence.empty() ? "" : sentence + ".";
}

std::string curves_section(const RunFolder& run, Report& report) {
  std::string html = "<section id=\"curves\">\n<h2>Learning curves</h2>\n";
  if (!run.metrics) {
    return html + "<p>No <code>metrics.csv</code> in this folder.</p>\n</section>\n";
  }
  const std::vector<Chart> charts = learning_curve_charts(*run.metrics, setting(run, "method"));
  if (charts.empty()) {
    return html + "<p><code>metrics.csv</code> has no values yet.</p>\n</section>\n";
  }
  html += "<div class=\"charts\">\n";
  for (const Chart& chart : charts) {
    report.chart_titles.push_back(chart.title);
    html += fmt::format(
        "<figure class=\"chart\" id=\"chart-{}\">\n<figcaption><h3>{}</h3></figcaption>\n"
        "<div class=\"plot\"></div>\n",
        escape_html(chart.id), escape_html(chart.title));
    if (!chart.note.empty()) html += "<p class=\"note\">" + escape_html(chart.note) + "</p>\n";
    html += "</figure>\n";
  }
  html += "</div>\n<noscript><p>The charts need JavaScript.</p></noscript>\n";
  html += "<script type=\"application/json\" id=\"report-data\">" +
          json_for_script(charts_json(epochs(*run.metrics), charts)) + "</script>\n";
  return html + "</section>\n";
}

// Width and height from a PNG's IHDR chunk (read_run_folder checked the
// signature); 0 x 0 when the file is too short to hold one.
std::pair<std::uint32_t, std::uint32_t> png_size(const std::vector<std::uint8_t>& png) {
  if (png.size() < 24 ||
      std::string_view(reinterpret_cast<const char*>(png.data()) + 12, 4) != "IHDR")
    return {0, 0};
  const auto big_endian = [&](std::size_t at) {
    return (std::uint32_t{png[at]} << 24) | (std::uint32_t{png[at + 1]} << 16) |
           (std::uint32_t{png[at + 2]} << 8) | std::uint32_t{png[at + 3]};
  };
  return {big_endian(16), big_endian(20)};
}

std::string pictures_section(const RunFolder& run, Report& report) {
  if (run.pictures.empty()) return "";
  std::string html = "<section id=\"pictures\">\n<h2>Pictures</h2>\n<div class=\"pictures\">\n";
  for (const Picture& picture : run.pictures) {
    report.picture_files.push_back(picture.file_name);
    std::string size;
    if (const auto [width, height] = png_size(picture.png); width > 0 && height > 0) {
      // Small pictures are enlarged by a whole factor, so pixels stay square and sharp.
      const std::uint32_t scale = std::clamp<std::uint32_t>(520 / width, 1, 4);
      size = fmt::format(" width=\"{}\" height=\"{}\"", width * scale, height * scale);
    }
    html += fmt::format(
        "<figure><figcaption><h3>{}</h3></figcaption>\n<img alt=\"{}\"{} "
        "src=\"data:image/png;base64,{}\">\n"
        "<p class=\"note\"><code>{}</code></p></figure>\n",
        escape_html(picture.title), escape_html(picture.title), size, base64(picture.png),
        escape_html(picture.file_name));
  }
  return html + "</div>\n</section>\n";
}

std::string list(const std::vector<std::string>& items, const char* item_class = nullptr) {
  if (items.empty()) return "";
  std::string html = "<ul class=\"plain\">";
  for (const std::string& item : items) {
    html += item_class ? fmt::format("<li class=\"{}\">", item_class) : "<li>";
    html += escape_html(item) + "</li>";
  }
  return html + "</ul>";
}

std::string log_z_section(const RunFolder& run, Report& report) {
  const std::vector<LogZRow> rows = log_z_rows(run);
  report.log_z_rows = rows.size();
  std::string html =
      "<section id=\"log-z\">\n<h2>log Z and log-likelihood</h2>\n"
      "<p class=\"note\">The last exact values in <code>metrics.csv</code>, then every "
      "<code>estimate*.json</code> (<code>logz estimate MODEL --json &gt; "
      "RUN/estimate-NAME.json</code>) and "
      "<code>eval*.json</code> (<code>logz eval MODEL --json &gt; RUN/eval-NAME.json</code>) in "
      "the run folder, "
      "by file name. Log-likelihoods are average nats per example; +/- is one standard "
      "error.</p>\n";
  if (rows.empty()) {
    return html +
           "<p>No exact log Z in <code>metrics.csv</code> and no saved results.</p>\n</section>\n";
  }
  html +=
      "<table>\n<thead><tr><th>source</th><th>method</th><th>log Z</th><th>log-likelihood</th>"
      "<th>details</th></tr></thead>\n<tbody>\n";
  for (const LogZRow& row : rows) {
    html += fmt::format(
        "<tr><td><code>{}</code></td><td>{}</td><td class=\"number\">{}</td>"
        "<td class=\"number\">{}</td><td>{}{}</td></tr>\n",
        escape_html(row.source), escape_html(row.method), escape_html(row.log_z),
        list(row.log_likelihoods), list(row.details), list(row.warnings, "warning"));
  }
  return html + "</tbody>\n</table>\n</section>\n";
}

std::string settings_section(const RunFolder& run) {
  std::string html = "<section id=\"settings\">\n<h2>Settings</h2>\n";
  if (!run.settings) {
    return html + "<p>No <code>settings.json</code> in this folder.</p>\n</section>\n";
  }
  std::vector<std::pair<std::string, std::string>> settings;
  flatten(*run.settings, "", settings);
  html += "<table>\n<tbody>\n";
  for (const auto& [key, value] : settings) {
    html += "<tr><th><code>" + escape_html(key) + "</code></th><td><code>" + escape_html(value) +
            "</code></td></tr>\n";
  }
  return html + "</tbody>\n</table>\n</section>\n";
}

}  // namespace

Report make_report(const RunFolder& run) {
  Report report;
  const std::string name = escape_html(run_name(run.path));
  const std::string curves = curves_section(run, report);
  const std::string pictures = pictures_section(run, report);
  const std::string log_z = log_z_section(run, report);
  const std::string settings = settings_section(run);
  std::string& html = report.html;
  html = fmt::format(
      "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
      "<meta http-equiv=\"Content-Security-Policy\" content=\"{}\">\n"
      "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
      "<title>logz report: "
      "{}</title>\n<script>\n{}</script>\n<style>\n{}\n</style>\n<style>\n{}</style>\n</head>\n",
      kContentSecurityPolicy, name, assets::report_errors_js(), assets::uplot_css(),
      assets::report_css());
  html += fmt::format(
      "<body>\n<header>\n<h1>logz report: <code>{}</code></h1>\n<p class=\"summary\">{}</p>\n",
      name, summary(run));
  html += "<nav><a href=\"#curves\">Learning curves</a>";
  if (!pictures.empty()) html += "<a href=\"#pictures\">Pictures</a>";
  html +=
      "<a href=\"#log-z\">log Z</a><a href=\"#settings\">Settings</a></nav>\n</header>\n<main>\n";
  html += curves + pictures + log_z + settings;
  html += fmt::format(
      "</main>\n<footer>Written by logz {}. Charts drawn by uPlot {} (MIT licence, "
      "in this page's source), inlined: the page loads nothing.</footer>\n",
      LOGZ_VERSION, assets::uplot_version());
  if (!report.chart_titles.empty()) {
    html += fmt::format(
        "<script>\n/* uPlot {}, inlined unmodified. Its licence:\n\n{}*/\n{}\n</script>\n",
        assets::uplot_version(), assets::uplot_license(), assets::uplot_js());
    html += "<script>\n" + std::string(assets::report_js()) + "</script>\n";
  }
  html += "</body>\n</html>\n";
  return report;
}

}  // namespace logz::report
