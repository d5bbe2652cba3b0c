/* Charts of the journey page (Apache ECharts): Sankey diagrams of the paths before a first
 * purchase and before churn, the channel-switching heatmap, friction per step, the
 * time-to-conversion histogram and retention curves per acquisition group.
 *
 * Reads the JSON island written by Django's json_script (texts already translated). No
 * inline script, so it runs under a strict CSP; the tables next to the charts hold the same
 * figures. A chart is drawn when its tab is first shown (a hidden box has no size).
 */
(function () {
  "use strict";

  if (typeof window.echarts === "undefined") {
    return;
  }
  var element = document.getElementById("journey-data");
  if (!element) {
    return;
  }
  var data = JSON.parse(element.textContent);
  var labels = data.labels;
  var lang = document.documentElement.lang || undefined;
  var whole = new Intl.NumberFormat(lang, { maximumFractionDigits: 0 });
  var percent = new Intl.NumberFormat(lang, { style: "percent", maximumFractionDigits: 1 });
  var style = getComputedStyle(document.documentElement);
  function cssColour(name, fallback) {
    var value = style.getPropertyValue(name).trim();
    return value || fallback;
  }
  var colours = {
    primary: cssColour("--bs-primary", "#0d6efd"),
    success: cssColour("--bs-success", "#198754"),
    danger: cssColour("--bs-danger", "#dc3545"),
    secondary: cssColour("--bs-secondary", "#6c757d"),
    text: cssColour("--bs-body-color", "#212529")
  };
  var palette = ["#0d6efd", "#20c997", "#fd7e14", "#6f42c1", "#d63384", "#0dcaf0", "#ffc107", "#198754", "#6c757d", "#adb5bd"];
  var charts = [];
  var drawn = {};

  function mount(name, option) {
    var box = document.querySelector('[data-chart="' + name + '"]');
    if (!box || drawn[name] || box.offsetWidth === 0) {
      return;
    }
    drawn[name] = true;
    var chart = window.echarts.init(box, null, { renderer: "svg" });
    option.animation = false;
    chart.setOption(option);
    charts.push(chart);
  }

  function outcomeColour(key) {
    if (key === "first_purchase") { return colours.success; }
    if (key === "lost") { return colours.danger; }
    return colours.secondary;
  }

  function sankey(name) {
    var flows = data[name];
    if (!flows || !flows.links.length) {
      return;
    }
    var keys = [];
    flows.nodes.forEach(function (node) {
      if (!node.outcome && keys.indexOf(node.key) < 0) { keys.push(node.key); }
    });
    mount(name, {
      tooltip: {
        trigger: "item",
        formatter: function (p) {
          if (p.dataType === "edge") {
            return p.data.source + " → " + p.data.target + "<br>" + labels.customers + ": " + whole.format(p.data.value);
          }
          return p.name + "<br>" + labels.customers + ": " + whole.format(p.value);
        }
      },
      series: [{
        type: "sankey",
        left: 8, right: 150, top: 8, bottom: 8,
        nodeGap: 10,
        nodeAlign: "right",
        layoutIterations: 32,
        emphasis: { focus: "adjacency" },
        data: flows.nodes.map(function (node) {
          var colour = node.outcome ? outcomeColour(node.key) : palette[keys.indexOf(node.key) % palette.length];
          return { name: node.name, depth: node.depth, itemStyle: { color: colour, borderColor: colour } };
        }),
        links: flows.links,
        lineStyle: { color: "gradient", opacity: 0.35, curveness: 0.5 },
        label: { color: colours.text, fontSize: 11 }
      }]
    });
  }

  function switching() {
    var s = data.switching;
    var cells = [];
    var max = 1;
    s.matrix.forEach(function (row, i) {
      row.forEach(function (value, j) {
        cells.push([j, i, value]);
        max = Math.max(max, value);
      });
    });
    mount("switching", {
      tooltip: {
        formatter: function (p) {
          return s.channels[p.data[1]] + " → " + s.channels[p.data[0]] + "<br>" + whole.format(p.data[2]);
        }
      },
      grid: { left: 8, right: 8, top: 8, bottom: 48, containLabel: true },
      xAxis: { type: "category", data: s.channels, name: labels.next, nameLocation: "middle", nameGap: 32, splitArea: { show: true }, axisLabel: { interval: 0, fontSize: 10 } },
      yAxis: { type: "category", data: s.channels, inverse: true, splitArea: { show: true }, axisLabel: { interval: 0 } },
      visualMap: { show: false, min: 0, max: max, inRange: { color: ["#f8f9fa", colours.primary] } },
      series: [{
        type: "heatmap",
        data: cells,
        label: { show: true, formatter: function (p) { return p.data[2] ? whole.format(p.data[2]) : ""; } }
      }]
    });
  }

  function dropOff() {
    var d = data.drop_off;
    var shown = [];
    d.nodes.forEach(function (label, i) {
      var total = d.counts[i].reduce(function (a, b) { return a + b; }, 0);
      if (total > 0) { shown.push(i); }
    });
    mount("drop_off", {
      tooltip: { trigger: "axis", axisPointer: { type: "shadow" } },
      legend: { top: 0, itemGap: 8, textStyle: { fontSize: 11 } },
      grid: { left: 8, right: 32, top: 56, bottom: 24, containLabel: true },
      xAxis: { type: "value", name: labels.with_friction, nameLocation: "middle", nameGap: 24, axisLabel: { formatter: function (v) { return whole.format(v); } } },
      yAxis: { type: "category", inverse: true, data: shown.map(function (i) { return d.nodes[i]; }) },
      series: d.causes.map(function (cause, c) {
        return {
          name: cause, type: "bar", stack: "friction",
          itemStyle: { color: palette[(c + 2) % palette.length] },
          data: shown.map(function (i) { return d.counts[i][c]; })
        };
      })
    });
  }

  function conversion() {
    var c = data.conversion;
    mount("conversion", {
      tooltip: { trigger: "axis", axisPointer: { type: "shadow" }, valueFormatter: function (v) { return whole.format(v); } },
      grid: { left: 8, right: 16, top: 32, bottom: 40, containLabel: true },
      xAxis: { type: "category", data: c.bins, name: labels.days, nameLocation: "middle", nameGap: 28, axisLabel: { interval: 0, fontSize: 10 } },
      yAxis: { type: "value", name: labels.customers, axisLabel: { formatter: function (v) { return whole.format(v); } } },
      series: [{ type: "bar", data: c.customers, itemStyle: { color: colours.primary }, label: { show: true, position: "top", formatter: function (p) { return p.value ? whole.format(p.value) : ""; } } }]
    });
  }

  function cohorts() {
    var c = data.cohorts;
    var series = [{
      name: labels.all, type: "line", data: c.all.slice(1), connectNulls: false, symbolSize: 4,
      lineStyle: { width: 3, color: colours.text }, itemStyle: { color: colours.text }
    }];
    c.groups.forEach(function (group, g) {
      series.push({
        name: group.label + " (" + whole.format(group.customers) + ")", type: "line", data: group.curve.slice(1),
        symbolSize: 3, lineStyle: { width: 1.5 }, itemStyle: { color: palette[g % palette.length] }
      });
    });
    mount("cohorts", {
      tooltip: { trigger: "axis", valueFormatter: function (v) { return v === null || v === undefined ? "—" : percent.format(v); } },
      legend: { top: 0, type: "scroll" },
      grid: { left: 8, right: 16, top: 40, bottom: 36, containLabel: true },
      // Month 0 is 100% by definition: the lines start at month 1, so the differences show.
      xAxis: { type: "category", data: c.months_since.slice(1).map(function (k) { return "M" + k; }), name: labels.months_since, nameLocation: "middle", nameGap: 26 },
      yAxis: { type: "value", min: 0, axisLabel: { formatter: function (v) { return percent.format(v); } } },
      series: series
    });
  }

  var painters = {
    "tab-first": function () { sankey("first_purchase"); },
    "tab-churn": function () { sankey("churn"); },
    "tab-switching": switching,
    "tab-dropoff": dropOff,
    "tab-conversion": conversion,
    "tab-cohorts": cohorts
  };

  function paint(pane) {
    if (pane && painters[pane.id]) {
      painters[pane.id]();
    }
  }

  document.querySelectorAll('#journey-tabs [data-bs-toggle="tab"]').forEach(function (button) {
    button.addEventListener("shown.bs.tab", function () {
      paint(document.querySelector(button.getAttribute("data-bs-target")));
      if (history.replaceState) {
        history.replaceState(null, "", button.getAttribute("data-bs-target"));
      }
    });
  });
  var wanted = null;
  if (/^#tab-[a-z]+$/.test(window.location.hash)) {
    wanted = document.querySelector('#journey-tabs [data-bs-target="' + window.location.hash + '"]');
  }
  if (wanted && window.bootstrap) {
    window.bootstrap.Tab.getOrCreateInstance(wanted).show();
  } else {
    paint(document.querySelector("#journey-panels .tab-pane.active"));
  }

  window.addEventListener("resize", function () {
    charts.forEach(function (chart) { chart.resize(); });
  });
})();
