// Gate 2: the aggregated board scores as a bar chart, drawn from the table above it.
(function () {
  var rows = document.querySelectorAll("tr[data-partner]");
  if (typeof Chart === "undefined" || !rows.length) { return; }
  var partners = [], totals = [];
  rows.forEach(function (row) {
    partners.push(row.dataset.partner);
    totals.push(row.dataset.total === "" ? null : Number(row.dataset.total));
  });
  new Chart(document.getElementById("scores-chart"), {
    type: "bar",
    data: { labels: partners, datasets: [{ label: "Mean total (out of 30)", data: totals, backgroundColor: "#005eb8" }] },
    options: { indexAxis: "y", animation: false, scales: { x: { min: 0, max: 30 } },
      plugins: { legend: { display: false } } }
  });
})();
