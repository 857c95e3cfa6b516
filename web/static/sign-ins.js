// Draws the sign-ins page's chart of sign-ins and failures per day from the JSON the page carries; the table
// under it (in "as a table") holds the same numbers for anyone not using the picture.
(function () {
  "use strict";
  var source = document.getElementById("sign-ins-data");
  var canvas = document.getElementById("chart-sign-ins");
  if (!source || !canvas || typeof Chart === "undefined") { return; }
  var days = JSON.parse(source.textContent);
  function pick(key) { return days.map(function (day) { return day[key]; }); }
  new Chart(canvas, {
    type: "bar",
    data: {
      labels: pick("day"),
      datasets: [
        { label: "Sign-ins", data: pick("sign_ins"), backgroundColor: "#005eb8", maxBarThickness: 40 },
        { label: "Failures", data: pick("failures"), backgroundColor: "#d5281b", maxBarThickness: 40 }
      ]
    },
    options: {
      responsive: true, maintainAspectRatio: false, animation: false,
      scales: { y: { beginAtZero: true, ticks: { precision: 0 } }, x: { ticks: { autoSkip: true, maxRotation: 0 } } }
    }
  });
})();
