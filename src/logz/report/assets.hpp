// The files a report inlines, compiled into logz (cmake/embed_report_assets.cmake
// generates their definitions from third_party/uplot-VERSION/ and this
// folder at build time), so that logz report needs nothing from the source
// tree at run time and the page fetches nothing.
//
// The build checks that no script holds "</script" or "<!--" and no style
// sheet "</style", which would end their elements early.
#pragma once

#include <string_view>

namespace logz::report::assets {

std::string_view uplot_version();  // "1.6.32"
std::string_view uplot_js();       // uPlot.iife.min.js: defines the global uPlot
std::string_view uplot_css();
std::string_view uplot_license();     // uPlot's MIT licence, shown in the page's source
std::string_view report_errors_js();  // runs first: records errors (report_errors.js)
std::string_view report_js();         // draws the charts (report.js)
std::string_view report_css();

}  // namespace logz::report::assets
