/* Charts of the satisfaction page (Apache ECharts): NPS over time with its interval band
 * and the answers per period, the 0–10 distribution, and the p-chart of the touchpoint (or
 * cell) picked in the control table.
 *
 * Reads the JSON islands written by Django's json_script (texts already translated). No
 * inline script, so it runs under a strict CSP; the tables hold the same figures, and the
 * table's small SVG charts work without script.
 */
(function () {
  "use strict";

  var holder = document.getElementById("satisfaction-charts");
  if (!holder || typeof window.echarts === "undefined") {
    return;
  }
  var lang = document.documentElement.lang || undefined;
  var whole = new Intl.NumberFormat(lang, { maximumFractionDigits: 0 });
  var oneDecimal = new Intl.NumberFormat(lang, { minimumFractionDigits: 1, maximumFractionDigits: 1 });
  var style = getComputedStyle(document.documentElement);
  function cssColour(name, fallback) {
    var value = style.getPropertyValue(name).trim();
    return value || fallback;
  }
  var colours = {
    success: cssColour("--bs-success", "#198754"),
    danger: cssColour("--bs-danger", "#dc3545"),
    primary: cssColour("--bs-primary", "#0d6efd"),
    secondary: cssColour("--bs-secondary", "#6c757d"),
    info: cssColour("--bs-info", "#0dcaf0"),
    grey: cssColour("--bs-gray-400", "#ced4da")
  };
  var charts = [];

  function island(id) {
    var element = document.getElementById(id);
    return element ? JSON.parse(element.textContent) : null;
  }

  function mount(name, option) {
    var element = holder.querySelector('[data-chart="' + name + '"]');
    if (!element) {
      return null;
    }
    var chart = window.echarts.init(element, null, { renderer: "svg" });
    option.animation = false;
    chart.setOption(option);
    charts.push(chart);
    return chart;
  }

  function signed(value) {
    if (value === null || value === undefined) {
      return "—";
    }
    var rounded = Math.round(value);
    return (rounded > 0 ? "+" : rounded < 0 ? "−" : "") + whole.format(Math.abs(rounded));
  }

  function percent(value) {
    return value === null || value === undefined ? "—" : oneDecimal.format(value * 100) + "%";
  }

  // NPS over time: the line with its interval band above, the answers split below.
  var nps = island("satisfaction-nps-data");
  if (nps) {
    var labels = nps.labels;
    var band = nps.high.map(function (high, i) {
      var low = nps.low[i];
      return high === null || low === null ? null : high - low;
    });
    // NPS axis: round steps of 10, 25 or 50 points around the intervals, within ±100.
    var known = nps.low.concat(nps.high, nps.nps).filter(function (v) { return v !== null; });
    var lowest = Math.min.apply(null, known.length ? known : [0]);
    var highest = Math.max.apply(null, known.length ? known : [0]);
    var spread = highest - lowest;
    var scale = { step: spread > 100 ? 50 : spread > 40 ? 25 : 10 };
    scale.min = Math.max(-100, Math.floor(lowest / scale.step) * scale.step);
    scale.max = Math.min(100, Math.ceil(highest / scale.step) * scale.step);
    if (scale.max === scale.min) {
      scale.max = Math.min(100, scale.min + scale.step);
      scale.min = scale.max - scale.step;
    }
    var axisLabels = nps.periods.map(function (period, i) { return nps.partial[i] ? period + "*" : period; });
    mount("nps", {
      tooltip: {
        trigger: "axis",
        formatter: function (items) {
          var i = items[0].dataIndex;
          var lines = ["<strong>" + nps.periods[i] + "</strong>" + (nps.partial[i] ? " (" + labels.partial + ")" : "")];
          lines.push(labels.nps + ": <strong>" + signed(nps.nps[i]) + "</strong>");
          if (nps.low[i] !== null) {
            lines.push(labels.interval + ": " + signed(nps.low[i]) + " … " + signed(nps.high[i]));
          }
          lines.push(labels.answers + ": " + whole.format(nps.answers[i]));
          lines.push(labels.promoters + ": " + whole.format(nps.promoters[i]));
          lines.push(labels.passives + ": " + whole.format(nps.passives[i]));
          lines.push(labels.detractors + ": " + whole.format(nps.detractors[i]));
          return lines.join("<br>");
        }
      },
      legend: { top: 0, data: [labels.nps, labels.interval, labels.promoters, labels.passives, labels.detractors] },
      axisPointer: { link: [{ xAxisIndex: "all" }] },
      grid: [
        { left: 48, right: 16, top: 40, height: "50%" },
        { left: 48, right: 16, top: "72%", bottom: 28 }
      ],
      xAxis: [
        { type: "category", data: axisLabels, gridIndex: 0, axisLabel: { show: false }, boundaryGap: true },
        { type: "category", data: axisLabels, gridIndex: 1, boundaryGap: true }
      ],
      yAxis: [
        { type: "value", gridIndex: 0, name: labels.nps, min: scale.min, max: scale.max, interval: scale.step, axisLabel: { formatter: signed } },
        { type: "value", gridIndex: 1, name: labels.answers, splitNumber: 2, axisLabel: { formatter: function (v) { return whole.format(v); } } }
      ],
      series: [
        { name: "low", type: "line", data: nps.low, stack: "interval", stackStrategy: "all", symbol: "none",
          lineStyle: { opacity: 0 }, tooltip: { show: false }, silent: true, connectNulls: false },
        { name: labels.interval, type: "line", data: band, stack: "interval", stackStrategy: "all", symbol: "none",
          lineStyle: { opacity: 0 }, areaStyle: { color: colours.primary, opacity: 0.15 }, itemStyle: { color: colours.primary },
          silent: true, connectNulls: false },
        { name: labels.nps, type: "line", data: nps.nps, symbolSize: 6, itemStyle: { color: colours.primary },
          lineStyle: { width: 2 }, connectNulls: false, z: 3 },
        { name: labels.promoters, type: "bar", stack: "answers", xAxisIndex: 1, yAxisIndex: 1, data: nps.promoters, itemStyle: { color: colours.success } },
        { name: labels.passives, type: "bar", stack: "answers", xAxisIndex: 1, yAxisIndex: 1, data: nps.passives, itemStyle: { color: colours.grey } },
        { name: labels.detractors, type: "bar", stack: "answers", xAxisIndex: 1, yAxisIndex: 1, data: nps.detractors, itemStyle: { color: colours.danger } }
      ]
    });

    mount("distribution", {
      tooltip: { trigger: "axis", axisPointer: { type: "shadow" }, valueFormatter: function (v) { return whole.format(v); } },
      grid: { left: 8, right: 8, top: 16, bottom: 8, containLabel: true },
      xAxis: { type: "category", name: labels.answer, nameLocation: "middle", nameGap: 24,
        data: ["0", "1", "2", "3", "4", "5", "6", "7", "8", "9", "10"] },
      yAxis: { type: "value", axisLabel: { formatter: function (v) { return whole.format(v); } } },
      series: [{
        name: labels.answers, type: "bar", data: nps.distribution.map(function (n, answer) {
          var colour = answer >= 9 ? colours.success : answer >= 7 ? colours.grey : colours.danger;
          return { value: n, itemStyle: { color: colour } };
        })
      }]
    });
  }

  // The p-chart of the picked row or cell.
  var control = island("satisfaction-control-data");
  var controlChart = null;
  var badgeClasses = {
    in_control: "text-bg-success",
    out_of_control: "text-bg-danger",
    improved: "text-bg-info",
    too_few: "text-bg-light border"
  };

  function showControl(key) {
    var series = control && control.series[key];
    if (!series) {
      return;
    }
    var labels = control.labels;
    var points = series.share.map(function (value, i) {
      var colour = colours.primary;
      if (value !== null && series.upper[i] !== null && value > series.upper[i]) {
        colour = colours.danger;
      } else if (value !== null && series.lower[i] !== null && value < series.lower[i]) {
        colour = colours.info;
      }
      return { value: value, itemStyle: { color: colour, opacity: series.baseline[i] || i === series.share.length - 1 ? 1 : 0.55 } };
    });
    var centre = series.share.map(function () { return series.centre; });
    var option = {
      tooltip: {
        trigger: "axis",
        formatter: function (items) {
          var i = items[0].dataIndex;
          return [
            "<strong>" + control.periods[i] + "</strong>" + (series.baseline[i] ? " · " + labels.baseline : ""),
            labels.share + ": <strong>" + percent(series.share[i]) + "</strong> (" + whole.format(series.answers[i]) + " " + labels.answers + ")",
            labels.upper + ": " + percent(series.upper[i]),
            labels.lower + ": " + percent(series.lower[i]),
            labels.centre + ": " + percent(series.centre)
          ].join("<br>");
        }
      },
      legend: { top: 0, data: [labels.share, labels.centre, labels.upper, labels.lower] },
      grid: { left: 8, right: 16, top: 36, bottom: 8, containLabel: true },
      xAxis: { type: "category", data: control.periods },
      yAxis: { type: "value", min: 0, axisLabel: { formatter: function (v) { return whole.format(v * 100) + "%"; } } },
      series: [
        { name: labels.upper, type: "line", step: "middle", data: series.upper, symbol: "none",
          lineStyle: { type: "dashed", color: colours.danger, width: 1 }, itemStyle: { color: colours.danger }, connectNulls: false },
        { name: labels.lower, type: "line", step: "middle", data: series.lower, symbol: "none",
          lineStyle: { type: "dashed", color: colours.info, width: 1 }, itemStyle: { color: colours.info }, connectNulls: false },
        { name: labels.centre, type: "line", data: centre, symbol: "none",
          lineStyle: { color: colours.secondary, width: 1 }, itemStyle: { color: colours.secondary } },
        { name: labels.share, type: "line", data: points, symbolSize: 8, connectNulls: false,
          lineStyle: { color: colours.primary, width: 2 }, itemStyle: { color: colours.primary }, z: 3 }
      ]
    };
    if (!controlChart) {
      controlChart = mount("control", option);
    } else {
      controlChart.setOption(option, true);
    }
    var title = document.getElementById("control-chart-title");
    if (title) {
      title.textContent = series.title;
    }
    var badge = document.getElementById("control-chart-status");
    if (badge) {
      badge.className = "badge ms-1 " + (badgeClasses[series.status] || "");
      badge.textContent = series.status_label;
    }
    document.querySelectorAll("#control-table tr.selected").forEach(function (row) { row.classList.remove("selected"); });
    var picked = document.querySelector('#control-table tr[data-series="' + key + '"]');
    if (!picked) {
      var button = document.querySelector('#control-table .control-pick[data-series="' + key + '"]');
      picked = button ? button.closest("tr") : null;
    }
    if (picked) {
      picked.classList.add("selected");
    }
  }

  if (control && control.initial) {
    showControl(control.initial);
    var table = document.getElementById("control-table");
    if (table) {
      table.addEventListener("click", function (event) {
        var button = event.target.closest(".control-pick");
        var row = event.target.closest("tr[data-series]");
        var key = button ? button.dataset.series : row ? row.dataset.series : null;
        if (key) {
          showControl(key);
          if (button) {
            var card = document.getElementById("control-chart-card");
            if (card && card.getBoundingClientRect().top > window.innerHeight) {
              card.scrollIntoView({ behavior: "smooth", block: "nearest" });
            }
          }
        }
      });
    }
  }

  window.addEventListener("resize", function () {
    charts.forEach(function (chart) { chart.resize(); });
  });
})();
