// Draws a logz report's learning curves with uPlot from the JSON in
// <script id="report-data"> (report/charts.hpp says what it holds). Each
// figure#chart-ID gets its chart, with a shaded band of +/- 1 standard error
// around a curve that has one. When every chart is drawn, <html> gets
// data-charts-drawn="N".
(function () {
  "use strict";
  var colors = ["#1f5fbf", "#d1352b", "#2b9348", "#7b3fb5", "#e07b00"];
  var data = JSON.parse(document.getElementById("report-data").textContent);
  var plots = [];

  function countValues(values) {
    return values.filter(function (v) { return v !== null; }).length;
  }

  // uPlot's data and series for one chart: x, then per curve its values
  // and, where it has errors, the band's lower and upper edges.
  function buildChart(chart) {
    var columns = [data.x];
    var series = [{ label: "epoch" }];
    var bands = [];
    var edges = [];  // indices of the bands' edge series, left out of the legend
    chart.curves.forEach(function (curve, i) {
      var color = colors[i % colors.length];
      var sparse = countValues(curve.values) <= 60;
      var banded = countValues(curve.std_error) > 0;
      columns.push(curve.values);
      series.push({ label: banded ? curve.label + " (shaded: \u00b1 1 standard error)" : curve.label,
                    stroke: color, width: 2, spanGaps: true, points: { show: sparse, size: 6, fill: color } });
      if (!banded) return;
      var center = series.length - 1;
      var lower = [], upper = [];
      curve.values.forEach(function (v, j) {
        var e = curve.std_error[j];
        var known = v !== null && e !== null;
        lower.push(known ? v - e : null);
        upper.push(known ? v + e : null);
      });
      columns.push(lower, upper);
      series.push({ label: curve.label + " - 1 s.e.", stroke: color + "80", width: 1, dash: [4, 4], spanGaps: true,
                    points: { show: false } });
      series.push({ label: curve.label + " + 1 s.e.", stroke: color + "80", width: 1, dash: [4, 4], spanGaps: true,
                    points: { show: false } });
      bands.push({ series: [center + 2, center + 1], fill: color + "2e" });
      edges.push(center + 1, center + 2);
    });
    return { columns: columns, series: series, bands: bands, edges: edges };
  }

  // Whole epochs on the x axis.
  var epochSteps = [1, 2, 5, 10, 20, 25, 50, 100, 200, 250, 500, 1000, 2000, 2500, 5000, 10000,
                    20000, 50000, 100000];

  // Six significant digits, without float noise (0.30000000000000004).
  function tickLabels(plot, splits) {
    return splits.map(function (v) { return v === null ? "" : String(+v.toPrecision(6)); });
  }

  function plotWidth(target) {
    return Math.max(320, Math.floor(target.getBoundingClientRect().width));
  }

  data.charts.forEach(function (chart) {
    var figure = document.getElementById("chart-" + chart.id);
    var target = figure.querySelector(".plot");
    var built = buildChart(chart);
    var options = {
      width: plotWidth(target),
      height: 250,
      series: built.series,
      bands: built.bands,
      scales: { x: { time: false } },
      axes: [{ label: "epoch", incrs: epochSteps }, { label: chart.y_label, size: 70, values: tickLabels }],
      legend: { live: true },
    };
    var plot = new uPlot(options, built.columns, target);
    var legendRows = plot.root.querySelectorAll(".u-legend .u-series");
    built.edges.forEach(function (index) {
      if (legendRows[index]) legendRows[index].style.display = "none";
    });
    plots.push({ plot: plot, target: target });
    figure.setAttribute("data-curves", chart.curves.map(function (c) { return c.column; }).join(" "));
    figure.setAttribute("data-bands", chart.curves.filter(function (c) {
      return countValues(c.std_error) > 0;
    }).map(function (c) { return c.column; }).join(" "));
  });

  window.addEventListener("resize", function () {
    plots.forEach(function (p) { p.plot.setSize({ width: plotWidth(p.target), height: 250 }); });
  });
  document.documentElement.setAttribute("data-charts-drawn", String(plots.length));
})();
