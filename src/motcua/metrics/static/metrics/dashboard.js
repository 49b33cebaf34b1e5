/* Draws the dashboard's charts with Chart.js (served from static/vendor) from the JSON the page embeds.
   The tables next to each chart hold the same figures: without JavaScript or Chart.js nothing is lost. */
(function () {
  "use strict";
  var palette = ["#a4161a", "#0b4f8a", "#1e6b33", "#b35c00", "#6a3d9a", "#00727a", "#5a5a5a"];

  function draw() {
    var source = document.getElementById("dashboard-data");
    if (!source || typeof window.Chart === "undefined") { return; }
    var data = JSON.parse(source.textContent);
    var Chart = window.Chart;
    Chart.defaults.font.family = getComputedStyle(document.body).fontFamily;
    Chart.defaults.color = "#1b1f24";
    Chart.defaults.maintainAspectRatio = false;
    Chart.defaults.animation = false;
    Chart.defaults.plugins.legend.labels.boxWidth = 10;
    Chart.defaults.plugins.legend.labels.font = { size: window.innerWidth < 640 ? 10 : 11 };

    var trend = document.getElementById("chart-trend");
    if (trend) {
      new Chart(trend, {
        type: "line",
        data: {
          labels: data.trend.labels,
          datasets: data.trend.series.map(function (s, i) {
            return { label: s.label, data: s.data, borderColor: palette[i % palette.length],
                     backgroundColor: palette[i % palette.length], borderWidth: i === 0 ? 3 : 1.5,
                     pointRadius: i === 0 ? 4 : 2, spanGaps: false, tension: 0 };
          })
        },
        options: { scales: { y: { beginAtZero: true } },
                   plugins: { legend: { position: "bottom" } } }
      });
    }

    var rates = document.getElementById("chart-rates");
    if (rates) {
      new Chart(rates, {
        type: "bar",
        data: {
          labels: data.rates.labels,
          datasets: [
            { label: data.rates.names.value, data: data.rates.values, backgroundColor: "#0b4f8a" },
            { label: data.rates.names.target, data: data.rates.targets, backgroundColor: "rgba(164,22,26,.25)",
              borderColor: "#a4161a", borderWidth: 1 }
          ]
        },
        options: { scales: { y: { beginAtZero: true, max: 100, ticks: { callback: function (v) { return v + "%"; } } } },
                   plugins: { legend: { position: "bottom" } } }
      });
    }

    var status = document.getElementById("chart-status");
    if (status) {
      new Chart(status, {
        type: "doughnut",
        data: { labels: data.status.labels,
                datasets: [{ data: data.status.values,
                             backgroundColor: ["#1e6b33", "#6fae7d", "#a4161a", "#0b4f8a", "#e08a00"] }] },
        options: { plugins: { legend: { position: "bottom" } } }
      });
    }
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", draw);
  } else {
    draw();
  }
})();
