/* Charts of the customer-value dashboard (Apache ECharts).
 *
 * Reads everything from the JSON island #value-dashboard-data (written by Django's
 * json_script, texts already translated) and the drill-down URL from
 * #value-charts[data-drill-url]. No inline script, so it runs under a strict CSP.
 * Clicking a bar, cell or slice opens the list of the customers behind it.
 */
(function () {
  "use strict";

  // The period selector submits itself when changed (the button is there without script).
  document.querySelectorAll("form[data-autosubmit] select").forEach(function (select) {
    select.addEventListener("change", function () { select.form.submit(); });
  });

  var source = document.getElementById("value-dashboard-data");
  var holder = document.getElementById("value-charts");
  if (!source || !holder || typeof window.echarts === "undefined") {
    return;
  }
  var data = JSON.parse(source.textContent);
  var drillUrl = holder.getAttribute("data-drill-url");
  var labels = data.labels;
  var lang = document.documentElement.lang || undefined;
  var whole = new Intl.NumberFormat(lang, { maximumFractionDigits: 0 });
  var oneDecimal = new Intl.NumberFormat(lang, { minimumFractionDigits: 1, maximumFractionDigits: 1 });
  var money = new Intl.NumberFormat(lang, { style: "currency", currency: "EUR", maximumFractionDigits: 0 });
  var style = getComputedStyle(document.documentElement);
  function cssColour(name, fallback) {
    var value = style.getPropertyValue(name).trim();
    return value || fallback;
  }
  var colours = {
    primary: cssColour("--bs-primary", "#0d6efd"),
    warning: cssColour("--bs-warning", "#ffc107"),
    success: cssColour("--bs-success", "#198754"),
    danger: cssColour("--bs-danger", "#dc3545"),
    info: cssColour("--bs-info", "#0dcaf0"),
    grey: cssColour("--bs-secondary", "#6c757d"),
    text: cssColour("--bs-body-color", "#212529")
  };
  var charts = [];

  function go(query) {
    if (query) {
      window.location.href = drillUrl + "&" + query;
    }
  }

  function mount(name, option, queryOf) {
    var element = holder.querySelector('[data-chart="' + name + '"]');
    if (!element) {
      return;
    }
    var chart = window.echarts.init(element, null, { renderer: "svg" });
    option.animation = false;
    chart.setOption(option);
    if (queryOf) {
      chart.on("click", function (params) { go(queryOf(params)); });
    }
    charts.push(chart);
  }

  // Pyramid: share of customers and of revenue per tier, Top at the top.
  mount("pyramid", {
    tooltip: {
      trigger: "axis",
      axisPointer: { type: "shadow" },
      formatter: function (items) {
        var row = data.pyramid[items[0].dataIndex];
        return "<strong>" + row.label + "</strong><br>" +
          labels.customers + ": " + whole.format(row.customers) + "<br>" +
          labels.pct_customers + ": " + oneDecimal.format(row.pct_customers) + "%<br>" +
          labels.pct_revenue + ": " + oneDecimal.format(row.pct_revenue) + "%";
      }
    },
    legend: { top: 0 },
    grid: { left: 8, right: 24, top: 32, bottom: 8, containLabel: true },
    xAxis: { type: "value", max: 100, axisLabel: { formatter: function (v) { return whole.format(v) + "%"; } } },
    yAxis: { type: "category", inverse: true, data: data.pyramid.map(function (r) { return r.label; }) },
    series: [
      { name: labels.pct_customers, type: "bar", data: data.pyramid.map(function (r) { return r.pct_customers; }), itemStyle: { color: colours.grey } },
      { name: labels.pct_revenue, type: "bar", data: data.pyramid.map(function (r) { return r.pct_revenue; }), itemStyle: { color: colours.warning } }
    ]
  }, function (p) { return data.pyramid[p.dataIndex].query; });

  // The 80/20 curve with the diagonal of equal shares and the best-20% marker.
  var curve = data.pareto.x.map(function (x, i) { return [x, data.pareto.y[i]]; });
  mount("pareto", {
    tooltip: {
      trigger: "axis",
      formatter: function (items) {
        var point = items[0].data;
        return oneDecimal.format(point[0]) + "% → " + oneDecimal.format(point[1]) + "%";
      }
    },
    grid: { left: 8, right: 24, top: 24, bottom: 28, containLabel: true },
    xAxis: { type: "value", min: 0, max: 100, name: labels.customer_share, nameLocation: "middle", nameGap: 26, axisLabel: { formatter: "{value}%" } },
    yAxis: { type: "value", min: 0, max: 100, name: labels.revenue_share, axisLabel: { formatter: "{value}%" } },
    series: [
      {
        name: labels.revenue_share, type: "line", showSymbol: false, data: curve, areaStyle: { opacity: 0.12 },
        itemStyle: { color: colours.primary },
        markLine: {
          symbol: "none", silent: true, lineStyle: { color: colours.danger, type: "dashed" }, label: { show: false },
          data: [[{ coord: [20, 0] }, { coord: [20, data.pareto.top20] }], [{ coord: [0, data.pareto.top20] }, { coord: [20, data.pareto.top20] }]]
        },
        markPoint: {
          symbol: "circle", symbolSize: 8, silent: true, itemStyle: { color: colours.danger },
          label: { position: "right", color: colours.text, formatter: labels.top20 + " → " + oneDecimal.format(data.pareto.top20) + "%" },
          data: [{ coord: [20, data.pareto.top20] }]
        }
      },
      { name: labels.equality, type: "line", showSymbol: false, data: [[0, 0], [100, 100]], lineStyle: { type: "dotted", color: colours.grey }, tooltip: { show: false } }
    ]
  }, function () { return "active=1&sort=-revenue"; });

  // Migration matrix as a heatmap: previous tier (rows) × tier now (columns).
  var states = data.migration.states;
  var moved = data.migration.cells;
  var maxMoved = Math.max.apply(null, moved.map(function (c) { return c[2]; }).concat([1]));
  mount("migration", {
    tooltip: {
      formatter: function (p) {
        var cell = moved[p.dataIndex];
        return states[cell[1]] + " → " + states[cell[0]] + "<br>" + labels.customers + ": " +
          whole.format(cell[2]) + "<br>" + labels.value_change + ": " + money.format(cell[4]);
      }
    },
    grid: { left: 8, right: 8, top: 8, bottom: 44, containLabel: true },
    xAxis: { type: "category", data: states, axisLabel: { interval: 0, width: 70, overflow: "break" }, name: labels.current, nameLocation: "middle", nameGap: 40, splitArea: { show: true } },
    yAxis: { type: "category", data: states, inverse: true, splitArea: { show: true } },
    visualMap: { show: false, min: 0, max: maxMoved, inRange: { color: ["#f8f9fa", colours.primary] } },
    series: [{
      type: "heatmap",
      data: moved.map(function (c) { return [c[0], c[1], c[2]]; }),
      label: { show: true, formatter: function (p) { return whole.format(p.data[2]); } },
      emphasis: { itemStyle: { borderColor: colours.text, borderWidth: 1 } }
    }]
  }, function (p) { return moved[p.dataIndex][2] ? moved[p.dataIndex][3] : null; });

  // RFM grid: R score (rows, 5 at the top) × F score (columns).
  var rfm = data.rfm;
  var maxRfm = Math.max.apply(null, rfm.map(function (c) { return c[2]; }).concat([1]));
  var scores = ["1", "2", "3", "4", "5"];
  mount("rfm", {
    tooltip: {
      formatter: function (p) {
        var cell = rfm[p.dataIndex];
        return "R " + (cell[1] + 1) + " · F " + (cell[0] + 1) + "<br>" + labels.customers + ": " + whole.format(cell[2]);
      }
    },
    grid: { left: 28, right: 8, top: 8, bottom: 40, containLabel: true },
    xAxis: { type: "category", data: scores, name: labels.frequency, nameLocation: "middle", nameGap: 28 },
    yAxis: { type: "category", data: scores, name: labels.recency, nameLocation: "middle", nameGap: 22 },
    visualMap: { show: false, min: 0, max: maxRfm, inRange: { color: ["#f8f9fa", colours.success] } },
    series: [{
      type: "heatmap",
      data: rfm.map(function (c) { return [c[0], c[1], c[2]]; }),
      label: { show: true, formatter: function (p) { return whole.format(p.data[2]); } }
    }]
  }, function (p) { return rfm[p.dataIndex][2] ? rfm[p.dataIndex][3] : null; });

  // CLV distribution of the active customers (last band open-ended).
  var bins = data.clv;
  function band(b) {
    return money.format(b.low) + (b.high === null ? "+" : " – " + money.format(b.high));
  }
  mount("clv", {
    tooltip: {
      trigger: "axis",
      axisPointer: { type: "shadow" },
      formatter: function (items) {
        var b = bins[items[0].dataIndex];
        return band(b) + "<br>" + labels.customers + ": " + whole.format(b.customers);
      }
    },
    grid: { left: 8, right: 16, top: 32, bottom: 8, containLabel: true },
    xAxis: { type: "category", data: bins.map(function (b) { return money.format(b.low); }), axisLabel: { rotate: 45 } },
    yAxis: { type: "value", name: labels.customers, minInterval: 1 },
    series: [{ type: "bar", barCategoryGap: "8%", data: bins.map(function (b) { return b.customers; }), itemStyle: { color: colours.primary } }]
  }, function (p) { return bins[p.dataIndex].customers ? bins[p.dataIndex].query + "&sort=-clv" : null; });

  // Lifecycle stages as a funnel in journey order: centred bars, one per stage, each as wide
  // as its number of customers (a trapezoid funnel would suggest a flow between stages).
  var stages = data.lifecycle;
  var widest = 1.2 * Math.max.apply(null, stages.map(function (r) { return r.customers; }).concat([1]));
  var stageColours = ["#adb5bd", "#6c757d", colours.info, colours.success, "#20c997", colours.primary, colours.danger, "#343a40"];
  mount("lifecycle", {
    tooltip: {
      trigger: "axis",
      axisPointer: { type: "shadow" },
      formatter: function (items) {
        var row = stages[items[0].dataIndex];
        return row.label + ": " + whole.format(row.customers);
      }
    },
    grid: { left: 8, right: 8, top: 8, bottom: 8, containLabel: true },
    xAxis: { type: "value", show: false, max: widest },
    yAxis: { type: "category", inverse: true, axisTick: { show: false }, axisLine: { show: false }, data: stages.map(function (r) { return r.label; }) },
    series: [
      { type: "bar", stack: "funnel", silent: true, itemStyle: { color: "transparent" }, data: stages.map(function (r) { return (widest - r.customers) / 2; }), tooltip: { show: false } },
      {
        type: "bar", stack: "funnel", barCategoryGap: "18%",
        data: stages.map(function (r, i) { return { value: r.customers, itemStyle: { color: stageColours[i % stageColours.length] } }; }),
        label: { show: true, position: "right", distance: 4, color: colours.text, formatter: function (p) { return whole.format(p.value); } }
      }
    ]
  }, function (p) { return p.seriesIndex === 1 ? stages[p.dataIndex].query : null; });

  // Value decision: retain / develop / serve differently.
  var gridColours = { 1: colours.success, 2: colours.primary, 3: colours.danger };
  mount("grid", {
    legend: { bottom: 0, itemWidth: 12, itemHeight: 12 },
    tooltip: {
      trigger: "item",
      formatter: function (p) { return p.name + ": " + whole.format(p.value) + " (" + oneDecimal.format(p.percent) + "%)"; }
    },
    series: [{
      type: "pie", radius: ["40%", "70%"], center: ["50%", "44%"], label: { show: false },
      data: data.grid.map(function (r) { return { name: r.label, value: r.customers, itemStyle: { color: gridColours[r.code] } }; })
    }]
  }, function (p) { return data.grid[p.dataIndex].query + "&sort=-potential"; });

  window.addEventListener("resize", function () {
    charts.forEach(function (chart) { chart.resize(); });
  });
})();
