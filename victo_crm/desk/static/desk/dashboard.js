/* Dashboard charts; the same numbers are in the tables below each chart. */
(function () {
  "use strict";
  if (typeof Chart === "undefined") { return; }
  var data = JSON.parse(document.getElementById("chart-data").textContent);
  var palette = ["#00558c", "#1b6e3a", "#b00020", "#8a4b00", "#5b3f8c", "#00707a", "#474e57", "#a3307a", "#6b6b00"];
  Chart.defaults.animation = false;
  Chart.defaults.maintainAspectRatio = false;
  new Chart(document.getElementById("chart-volumes"), {
    type: "bar",
    data: {
      labels: data.weeks,
      datasets: data.volumes.map(function (v, i) {
        return { label: v.label, data: v.data, backgroundColor: palette[i % palette.length] };
      })
    },
    options: { scales: { x: { stacked: true }, y: { stacked: true, beginAtZero: true, ticks: { precision: 0 } } } }
  });
  new Chart(document.getElementById("chart-backlog"), {
    type: "bar",
    data: { labels: data.backlog.labels, datasets: [{ label: data.text.open, data: data.backlog.data, backgroundColor: palette[0] }] },
    options: { indexAxis: "y", scales: { x: { beginAtZero: true, ticks: { precision: 0 } } } }
  });
  new Chart(document.getElementById("chart-medians"), {
    type: "bar",
    data: {
      labels: data.medians.labels,
      datasets: [
        { label: data.text.first, data: data.medians.first, backgroundColor: palette[0] },
        { label: data.text.resolution, data: data.medians.resolution, backgroundColor: palette[1] }
      ]
    },
    options: { scales: { y: { beginAtZero: true } } }
  });
  new Chart(document.getElementById("chart-zones"), {
    type: "bar",
    data: { labels: data.zones.labels, datasets: [{ label: data.text.open, data: data.zones.data, backgroundColor: palette[3] }] },
    options: { indexAxis: "y", scales: { x: { beginAtZero: true, ticks: { precision: 0 } } } }
  });
})();
