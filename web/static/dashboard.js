// Draws the pipeline dashboard's charts from the JSON the page carries; the tables below each
// chart hold the same numbers for anyone not using the picture.
(function () {
  "use strict";
  var source = document.getElementById("dashboard-data");
  if (!source || typeof Chart === "undefined") { return; }
  var report = JSON.parse(source.textContent);
  var colour = "#005eb8";

  // On a narrow screen a long name would squeeze the bars to nothing: shorten it (the table below has it whole).
  function shortLabel(chart, value, axis) {
    var label = String(axis.getLabelForValue(value));
    var room = chart.width < 480 ? 16 : 60;
    return label.length > room ? label.slice(0, room - 1) + "\u2026" : label;
  }

  function categoryTicks(extra) {
    var ticks = { callback: function (value) { return shortLabel(this.chart, value, this); } };
    for (var key in extra) { ticks[key] = extra[key]; }
    return ticks;
  }

  function bar(id, labels, values, axisTitle, horizontal) {
    var canvas = document.getElementById(id);
    if (!canvas) { return; }
    new Chart(canvas, {
      type: "bar",
      data: { labels: labels, datasets: [{ label: axisTitle, data: values, backgroundColor: colour }] },
      options: {
        indexAxis: horizontal ? "y" : "x",
        responsive: true,
        maintainAspectRatio: false,
        animation: false,
        plugins: { legend: { display: false } },
        scales: { [horizontal ? "x" : "y"]: { beginAtZero: true, ticks: { precision: axisTitle === "Median days" ? 1 : 0 },
                                          title: { display: true, text: axisTitle } },
                  [horizontal ? "y" : "x"]: { ticks: categoryTicks({ autoSkip: false }) } }
      }
    });
  }

  function pick(rows, key) { return rows.map(function (row) { return row[key]; }); }

  bar("chart-stages", pick(report.stages, "name"), pick(report.stages, "count"), "Projects", true);
  bar("chart-gates", pick(report.gate_times, "name"), pick(report.gate_times, "median_days"), "Median days", true);
  bar("chart-overdue", report.overdue.map(function (row) { return row.project + " – " + row.task; }),
      pick(report.overdue, "days_overdue"), "Days overdue", true);
  var canvas = document.getElementById("chart-outcomes");
  if (canvas) {
    new Chart(canvas, {
      type: "bar",
      data: {
        labels: pick(report.outcomes, "project"),
        datasets: [
          { label: "Measures met", data: pick(report.outcomes, "met"), backgroundColor: "#007f3b" },
          { label: "Measures not met", data: report.outcomes.map(function (row) { return row.total - row.met; }),
            backgroundColor: "#d5281b" }
        ]
      },
      options: {
        indexAxis: "y", responsive: true, maintainAspectRatio: false, animation: false,
        scales: { x: { stacked: true, beginAtZero: true, ticks: { precision: 0 } },
                  y: { stacked: true, ticks: categoryTicks({ autoSkip: false }) } }
      }
    });
  }
  bar("chart-alliance", pick(report.by_alliance, "name"), pick(report.by_alliance, "count"), "Projects", false);
  bar("chart-area", pick(report.by_challenge_area, "name"), pick(report.by_challenge_area, "count"), "Projects", false);
})();
