// On-time rate bars on the supervision board (ECharts); data comes from data-chart (no inline JS).
(function () {
  "use strict";
  document.querySelectorAll(".jx-chart").forEach(function (element) {
    const data = JSON.parse(element.dataset.chart);
    const chart = window.echarts.init(element);
    chart.setOption({
      grid: { left: 8, right: 40, top: 8, bottom: 8, containLabel: true },
      xAxis: { type: "value", max: 100, axisLabel: { formatter: "{value}%" } },
      yAxis: { type: "category", data: data.labels, inverse: true },
      series: [{
        type: "bar", data: data.values.map(function (v) { return Math.round(v); }),
        label: { show: true, position: "right", formatter: "{c}%" },
        itemStyle: { color: function (p) { return p.value >= 90 ? "#198754" : (p.value >= 70 ? "#ffc107" : "#dc3545"); } }
      }]
    });
    window.addEventListener("resize", function () { chart.resize(); });
  });
})();
