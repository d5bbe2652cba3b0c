/* Charts of the complaints report (Apache ECharts).
 *
 * Reads everything from the JSON island #complaint-report-data (written by Django's
 * json_script, texts already translated). No inline script, so it runs under a strict CSP.
 * The tables next to each chart hold the same figures, so the page works without script.
 */
(function () {
  "use strict";

  var source = document.getElementById("complaint-report-data");
  var holder = document.getElementById("complaint-charts");
  if (!source || !holder || typeof window.echarts === "undefined") {
    return;
  }
  var data = JSON.parse(source.textContent);
  var labels = data.labels;
  var lang = document.documentElement.lang || undefined;
  var oneDecimal = new Intl.NumberFormat(lang, { minimumFractionDigits: 1, maximumFractionDigits: 1 });
  var style = getComputedStyle(document.documentElement);
  function cssColour(name, fallback) {
    var value = style.getPropertyValue(name).trim();
    return value || fallback;
  }
  var colours = {
    primary: cssColour("--bs-primary", "#0d6efd"),
    info: cssColour("--bs-info", "#0dcaf0"),
    danger: cssColour("--bs-danger", "#dc3545"),
    light: cssColour("--bs-light", "#f8f9fa")
  };
  var charts = [];

  function mount(name, option) {
    var element = holder.querySelector('[data-chart="' + name + '"]');
    if (!element) {
      return;
    }
    var chart = window.echarts.init(element, null, { renderer: "svg" });
    option.animation = false;
    chart.setOption(option);
    charts.push(chart);
  }

  function hours(value) {
    return value === null || value === undefined ? "—" : oneDecimal.format(value) + " " + labels.hours;
  }

  // Cause × touchpoint: where complaints come from and why.
  var maxCell = Math.max.apply(null, [1].concat(data.heatmap.map(function (c) { return c[2]; })));
  mount("heatmap", {
    tooltip: {
      formatter: function (p) {
        return data.causes[p.value[1]] + " · " + data.touchpoints[p.value[0]] + ": <strong>" + p.value[2] + "</strong>";
      }
    },
    grid: { left: 8, right: 8, top: 8, bottom: 48, containLabel: true },
    xAxis: { type: "category", data: data.touchpoints, splitArea: { show: true }, axisLabel: { interval: 0, rotate: 20 } },
    yAxis: { type: "category", data: data.causes, inverse: true, splitArea: { show: true } },
    visualMap: { min: 0, max: maxCell, calculable: false, orient: "horizontal", left: "center", bottom: 0, itemHeight: 120,
      inRange: { color: [colours.light, colours.danger] } },
    series: [{ type: "heatmap", data: data.heatmap, label: { show: true } }]
  });

  // Resolution times: median and mean hours side by side.
  function timesChart(name, rows) {
    mount(name, {
      tooltip: { trigger: "axis", axisPointer: { type: "shadow" }, valueFormatter: hours },
      legend: { top: 0 },
      grid: { left: 8, right: 16, top: 32, bottom: 8, containLabel: true },
      xAxis: { type: "value", axisLabel: { formatter: function (v) { return v + " " + labels.hours; } } },
      yAxis: { type: "category", inverse: true, data: rows.map(function (r) { return r.label; }) },
      series: [
        { name: labels.median, type: "bar", data: rows.map(function (r) { return r.median; }), itemStyle: { color: colours.primary } },
        { name: labels.mean, type: "bar", data: rows.map(function (r) { return r.mean; }), itemStyle: { color: colours.info } }
      ]
    });
  }
  timesChart("cause_times", data.by_cause);
  timesChart("touchpoint_times", data.by_touchpoint);

  mount("channel", {
    tooltip: { trigger: "item" },
    series: [{
      type: "pie", radius: ["40%", "70%"],
      data: data.by_channel.map(function (r) { return { name: r.label, value: r.total }; }),
      label: { formatter: "{b}: {c}" }
    }]
  });

  mount("trend", {
    tooltip: { trigger: "axis", axisPointer: { type: "shadow" } },
    legend: { top: 0, type: "scroll" },
    grid: { left: 8, right: 16, top: 32, bottom: 8, containLabel: true },
    xAxis: { type: "category", data: data.months },
    yAxis: { type: "value", minInterval: 1 },
    series: data.month_series.map(function (s) {
      return { name: s.label, type: "bar", stack: "causes", data: s.values };
    })
  });

  window.addEventListener("resize", function () {
    charts.forEach(function (chart) { chart.resize(); });
  });
})();
