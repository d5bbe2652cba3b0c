/* The funnel chart of the deal report (Apache ECharts), from the JSON island #funnel-data. */
(function () {
  "use strict";
  var source = document.getElementById("funnel-data");
  var holder = document.getElementById("funnel-chart");
  if (!source || !holder || typeof window.echarts === "undefined") {
    return;
  }
  var data = JSON.parse(source.textContent);
  var chart = window.echarts.init(holder);
  var top = data.stages.length ? Math.max(1, data.stages[0].value) : 1;
  chart.setOption({
    title: { text: data.title, left: "center", textStyle: { fontSize: 14 } },
    tooltip: { trigger: "item", formatter: "{b}: {c}" },
    color: ["#0dcaf0", "#0d6efd", "#ffc107", "#198754"],
    series: [{
      type: "funnel",
      top: 40,
      bottom: 10,
      min: 0,
      max: top,
      sort: "none",
      minSize: "18%",
      gap: 2,
      label: { show: true, position: "inside", formatter: "{b}: {c}" },
      data: data.stages
    }]
  });
  window.addEventListener("resize", function () { chart.resize(); });
})();
