// Draws every <canvas data-chart="ID"> from the JSON in <script id="ID"> (Chart.js, vendored).
document.querySelectorAll("canvas[data-chart]").forEach((canvas) => {
  const data = JSON.parse(document.getElementById(canvas.dataset.chart).textContent);
  const colors = ["#417690", "#e0a526"];
  data.datasets.forEach((dataset, i) => {
    dataset.backgroundColor = colors[i % colors.length];
    dataset.borderColor = colors[i % colors.length];
  });
  new Chart(canvas, {
    type: "bar",
    data,
    options: { animation: false, responsive: true, maintainAspectRatio: false, scales: { y: { beginAtZero: true } } },
  });
});
