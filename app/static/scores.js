// Charts of the score tables (ECharts); data comes from data-chart (no inline JS).
(function () {
  "use strict";
  const GRADE_COLOURS = { "优秀": "#198754", "良好": "#0d6efd", "合格": "#6c757d", "不合格": "#dc3545" };

  function distribution(element, data) {
    const chart = window.echarts.init(element);
    chart.setOption({
      tooltip: { trigger: "axis" }, legend: { top: 0 },
      grid: { left: 8, right: 16, top: 32, bottom: 8, containLabel: true },
      xAxis: { type: "category", data: data.labels, axisLabel: { interval: 0, width: 80, overflow: "break" } },
      yAxis: { type: "value", minInterval: 1 },
      series: Object.keys(data.series).map(function (grade) {
        return { name: grade, type: "bar", stack: "grades", data: data.series[grade], itemStyle: { color: GRADE_COLOURS[grade] } };
      })
    });
    return chart;
  }

  function components(element, all) {
    const chart = window.echarts.init(element);
    const select = document.getElementById("component-category");
    function draw() {
      const data = all[select.value];
      chart.setOption({
        tooltip: { trigger: "axis", axisPointer: { type: "shadow" } }, legend: { top: 0 },
        grid: { left: 8, right: 16, top: 32, bottom: 8, containLabel: true },
        xAxis: { type: "value", max: 100 },
        yAxis: { type: "category", data: data.labels, inverse: true },
        series: [["I", "0.36 × I"], ["P", "0.24 × P"], ["E", "0.4 × E"]].map(function (pair) {
          return { name: pair[1], type: "bar", stack: "total", data: data[pair[0]] };
        })
      }, true);
    }
    select.addEventListener("change", draw);
    draw();
    return chart;
  }

  document.querySelectorAll(".jx-chart").forEach(function (element) {
    const data = JSON.parse(element.dataset.chart);
    const chart = element.dataset.kind === "components" ? components(element, data) : distribution(element, data);
    window.addEventListener("resize", function () { chart.resize(); });
  });
})();
