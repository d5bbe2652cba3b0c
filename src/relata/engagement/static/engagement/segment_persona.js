/* Charts of the persona page (Apache ECharts): per distribution, the segment's share of each
 * category against all customers'. Reads #persona-data (json_script, texts translated).
 * No inline script, so it runs under a strict CSP.
 */
(function () {
  "use strict";

  var source = document.getElementById("persona-data");
  var holder = document.getElementById("persona-charts");
  if (!source || !holder || typeof window.echarts === "undefined") {
    return;
  }
  var data = JSON.parse(source.textContent);
  var lang = document.documentElement.lang || undefined;
  var oneDecimal = new Intl.NumberFormat(lang, { minimumFractionDigits: 0, maximumFractionDigits: 1 });
  var style = getComputedStyle(document.documentElement);
  function cssColour(name, fallback) {
    var value = style.getPropertyValue(name).trim();
    return value || fallback;
  }
  var segmentColour = cssColour("--bs-primary", "#0d6efd");
  var allColour = cssColour("--bs-secondary-bg", "#e9ecef");
  var allBorder = cssColour("--bs-secondary", "#6c757d");
  var charts = [];

  holder.querySelectorAll("[data-chart]").forEach(function (element) {
    var dist = data.distributions[element.getAttribute("data-chart")];
    if (!dist) {
      return;
    }
    var chart = window.echarts.init(element, null, { renderer: "svg" });
    chart.setOption({
      animation: false,
      tooltip: {
        trigger: "axis",
        axisPointer: { type: "shadow" },
        valueFormatter: function (value) { return oneDecimal.format(value) + "%"; }
      },
      legend: { top: 0, itemWidth: 12, itemHeight: 10 },
      grid: { left: 8, right: 28, top: 28, bottom: 4, containLabel: true },
      xAxis: { type: "value", axisLabel: { formatter: function (v) { return oneDecimal.format(v) + "%"; } } },
      yAxis: { type: "category", inverse: true, data: dist.categories, axisLabel: { width: 130, overflow: "truncate" } },
      series: [
        { name: data.labels.segment, type: "bar", data: dist.segment, itemStyle: { color: segmentColour }, barGap: "10%" },
        { name: data.labels.all, type: "bar", data: dist.all, itemStyle: { color: allColour, borderColor: allBorder, borderWidth: 1 } }
      ]
    });
    charts.push(chart);
  });

  window.addEventListener("resize", function () {
    charts.forEach(function (chart) { chart.resize(); });
  });
})();
