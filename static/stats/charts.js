// Draws each statistics figure with the vendored Chart.js from the JSON the page embeds beside its table.
(function () {
  "use strict";
  if (typeof Chart === "undefined") { return; }
  var palette = ["#ea580c", "#2563eb", "#16a34a", "#9333ea", "#dc2626", "#0891b2", "#ca8a04", "#64748b", "#db2777", "#4d7c0f"];
  document.querySelectorAll("canvas[data-chart]").forEach(function (canvas) {
    var source = document.getElementById(canvas.dataset.chart);
    if (!source) { return; }
    var spec = JSON.parse(source.textContent);
    var kind = spec.type === "stacked" ? "bar" : spec.type;
    var round = kind === "doughnut";
    spec.datasets.forEach(function (set, i) {
      var colour = round ? spec.labels.map(function (_l, j) { return palette[j % palette.length]; }) : palette[i % palette.length];
      set.backgroundColor = colour;
      set.borderColor = kind === "line" ? colour : undefined;
      set.tension = 0.2;
    });
    var options = { responsive: true, maintainAspectRatio: false, animation: false, plugins: { legend: { display: round || spec.datasets.length > 1 } } };
    if (!round) {
      options.scales = { x: { stacked: spec.type === "stacked" }, y: { stacked: spec.type === "stacked", beginAtZero: true } };
    }
    new Chart(canvas, { type: kind, data: { labels: spec.labels, datasets: spec.datasets }, options: options });
  });
})();
