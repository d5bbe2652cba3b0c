/* Campaign pages: show only the offer fields that belong to the chosen kind of offer, and
 * draw the report's charts (Apache ECharts) from the JSON island #campaign-report-data
 * (written by Django's json_script, texts already translated). No inline script. */
(function () {
  "use strict";

  var kind = document.getElementById("id_offer_kind");
  if (kind) {
    var toggle = function () {
      document.querySelectorAll("[data-offer]").forEach(function (block) {
        var wanted = block.getAttribute("data-offer").split(" ");
        block.hidden = wanted.indexOf(kind.value) < 0;
      });
    };
    kind.addEventListener("change", toggle);
    toggle();
  }

  document.querySelectorAll("form[data-autosubmit] select").forEach(function (select) {
    select.addEventListener("change", function () {
      if (!select.form.hasAttribute("hx-get")) { select.form.submit(); }
    });
  });

  var source = document.getElementById("campaign-report-data");
  var holder = document.getElementById("campaign-charts");
  if (!source || !holder || typeof window.echarts === "undefined") {
    return;
  }
  var data = JSON.parse(source.textContent);
  var labels = data.labels;
  var lang = document.documentElement.lang || undefined;
  var whole = new Intl.NumberFormat(lang, { maximumFractionDigits: 0 });
  var oneDecimal = new Intl.NumberFormat(lang, { minimumFractionDigits: 1, maximumFractionDigits: 1 });
  var upToOne = new Intl.NumberFormat(lang, { maximumFractionDigits: 1 });
  var style = getComputedStyle(document.documentElement);
  function colour(name, fallback) { return style.getPropertyValue(name).trim() || fallback; }
  var primary = colour("--bs-primary", "#0d6efd");
  var grey = colour("--bs-secondary", "#6c757d");
  var success = colour("--bs-success", "#198754");
  var text = colour("--bs-body-color", "#212529");
  var charts = [];

  function mount(name, option) {
    var element = holder.querySelector('[data-chart="' + name + '"]');
    if (!element) { return; }
    var chart = window.echarts.init(element, null, { renderer: "svg" });
    option.animation = false;
    chart.setOption(option);
    charts.push(chart);
  }

  // Funnel: from the approached group to conversions, as horizontal bars.
  mount("funnel", {
    tooltip: { trigger: "axis", axisPointer: { type: "shadow" } },
    grid: { left: 8, right: 48, top: 8, bottom: 8, containLabel: true },
    xAxis: { type: "value", axisLabel: { formatter: function (v) { return whole.format(v); } } },
    yAxis: { type: "category", inverse: true, data: data.funnel.map(function (s) { return s.name; }) },
    series: [{
      type: "bar",
      name: labels.contacts,
      data: data.funnel.map(function (s) { return s.value; }),
      itemStyle: { color: primary },
      label: { show: true, position: "right", color: text, formatter: function (p) { return whole.format(p.value); } }
    }]
  });

  // Conversion rate per group with its 95% (Wilson) interval as an error bar.
  mount("groups", {
    tooltip: {
      trigger: "item",
      formatter: function (p) {
        var g = data.groups[p.dataIndex];
        return "<strong>" + g.name + "</strong><br>" + labels.conversion + ": " +
          oneDecimal.format(g.value[0]) + "%<br>" + labels.interval + ": " +
          oneDecimal.format(g.value[1]) + "% – " + oneDecimal.format(g.value[2]) + "%";
      }
    },
    grid: { left: 8, right: 16, top: 16, bottom: 8, containLabel: true },
    xAxis: { type: "category", data: data.groups.map(function (g) { return g.name; }) },
    yAxis: { type: "value", min: 0, axisLabel: { formatter: function (v) { return upToOne.format(v) + "%"; } } },
    series: [
      {
        type: "bar",
        barWidth: "40%",
        data: data.groups.map(function (g, i) {
          return { value: g.value[0], itemStyle: { color: i === 0 ? success : grey } };
        }),
        label: { show: true, position: "insideTop", color: "#fff", formatter: function (p) { return oneDecimal.format(p.value) + "%"; } }
      },
      {
        type: "custom",
        name: labels.interval,
        renderItem: function (params, api) {
          var x = api.value(0);
          var low = api.coord([x, api.value(1)]);
          var high = api.coord([x, api.value(2)]);
          var half = api.size([1, 0])[0] * 0.1;
          var line = { stroke: text, lineWidth: 1.5 };
          return {
            type: "group",
            children: [
              { type: "line", shape: { x1: low[0], y1: low[1], x2: high[0], y2: high[1] }, style: line },
              { type: "line", shape: { x1: low[0] - half, y1: low[1], x2: low[0] + half, y2: low[1] }, style: line },
              { type: "line", shape: { x1: high[0] - half, y1: high[1], x2: high[0] + half, y2: high[1] }, style: line }
            ]
          };
        },
        encode: { x: 0, y: [1, 2] },
        data: data.groups.map(function (g, i) { return [i, g.value[1], g.value[2]]; }),
        z: 10
      }
    ]
  });

  // Share converted so far, day by day after the approach, per group.
  mount("curves", {
    tooltip: {
      trigger: "axis",
      valueFormatter: function (v) { return oneDecimal.format(v) + "%"; }
    },
    legend: { top: 0 },
    grid: { left: 8, right: 16, top: 32, bottom: 28, containLabel: true },
    xAxis: { type: "category", name: labels.days, nameLocation: "middle", nameGap: 24, data: data.days },
    yAxis: { type: "value", min: 0, minInterval: 0.1, axisLabel: { formatter: function (v) { return upToOne.format(v) + "%"; } } },
    series: data.curves.map(function (c, i) {
      return {
        type: "line", name: c.name, data: c.values, showSymbol: false, step: "end",
        lineStyle: { width: 2 }, itemStyle: { color: i === 0 ? success : grey }
      };
    })
  });

  window.addEventListener("resize", function () {
    charts.forEach(function (chart) { chart.resize(); });
  });
})();
