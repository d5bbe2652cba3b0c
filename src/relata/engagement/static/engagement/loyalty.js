/* Charts of the loyalty pages (Apache ECharts): points per month on the overview, and
 * members against comparable non-members on the report.
 *
 * Reads the JSON islands written by Django's json_script (texts already translated). No
 * inline script, so it runs under a strict CSP; the tables next to the charts hold the same
 * figures, so the pages work without script.
 */
(function () {
  "use strict";

  if (typeof window.echarts === "undefined") {
    return;
  }
  var lang = document.documentElement.lang || undefined;
  var whole = new Intl.NumberFormat(lang, { maximumFractionDigits: 0 });
  var money = new Intl.NumberFormat(lang, { minimumFractionDigits: 2, maximumFractionDigits: 2 });
  var oneDecimal = new Intl.NumberFormat(lang, { minimumFractionDigits: 1, maximumFractionDigits: 1 });
  var style = getComputedStyle(document.documentElement);
  function cssColour(name, fallback) {
    var value = style.getPropertyValue(name).trim();
    return value || fallback;
  }
  var colours = {
    success: cssColour("--bs-success", "#198754"),
    primary: cssColour("--bs-primary", "#0d6efd"),
    secondary: cssColour("--bs-secondary", "#6c757d"),
    warning: cssColour("--bs-warning", "#ffc107"),
    info: cssColour("--bs-info", "#0dcaf0")
  };
  var charts = [];

  function island(id) {
    var element = document.getElementById(id);
    return element ? JSON.parse(element.textContent) : null;
  }

  function mount(holder, name, option) {
    var element = holder.querySelector('[data-chart="' + name + '"]');
    if (!element) {
      return;
    }
    var chart = window.echarts.init(element, null, { renderer: "svg" });
    option.animation = false;
    chart.setOption(option);
    charts.push(chart);
  }

  // Overview: earned, redeemed and expired points per month.
  var months = island("loyalty-months-data");
  var monthsHolder = document.getElementById("loyalty-charts");
  if (months && monthsHolder) {
    var labels = months.labels;
    var series = [
      { key: "earned", colour: colours.success },
      { key: "redeemed", colour: colours.primary },
      { key: "expired", colour: colours.secondary },
      { key: "other", colour: colours.warning }
    ].map(function (s) {
      return { name: labels[s.key], type: "bar", data: months[s.key], itemStyle: { color: s.colour } };
    });
    mount(monthsHolder, "months", {
      tooltip: { trigger: "axis", axisPointer: { type: "shadow" }, valueFormatter: function (v) { return whole.format(v) + " " + labels.points; } },
      legend: { top: 0 },
      grid: { left: 8, right: 16, top: 36, bottom: 8, containLabel: true },
      xAxis: { type: "category", data: months.months },
      yAxis: { type: "value", axisLabel: { formatter: function (v) { return whole.format(v); } } },
      series: series
    });
  }

  // Report: members against comparable non-members, retention (percentages) and value (€).
  var report = island("loyalty-report-data");
  var reportHolder = document.getElementById("loyalty-report");
  if (report && reportHolder) {
    var names = {
      members: report.labels.members + " (n = " + whole.format(report.labels.members_n) + ")",
      comparison: report.labels.comparison + " (n = " + whole.format(report.labels.comparison_n) + ")"
    };
    function groupChart(name, kind, format) {
      var rows = report.rows.filter(function (r) { return r.kind === kind; });
      var scale = kind === "percent" ? 100 : 1;
      function values(key) {
        return rows.map(function (r) { return r[key] === null ? null : r[key] * scale; });
      }
      mount(reportHolder, name, {
        tooltip: { trigger: "axis", axisPointer: { type: "shadow" }, valueFormatter: format },
        legend: { top: 0 },
        grid: { left: 8, right: 72, top: 36, bottom: 8, containLabel: true },
        xAxis: { type: "value", axisLabel: { formatter: function (v) { return format(v); }, hideOverlap: true } },
        yAxis: { type: "category", inverse: true, data: rows.map(function (r) { return r.label; }) },
        series: [
          { name: names.members, type: "bar", data: values("members"), itemStyle: { color: colours.success },
            label: { show: true, position: "right", formatter: function (p) { return format(p.value); } } },
          { name: names.comparison, type: "bar", data: values("comparison"), itemStyle: { color: colours.secondary },
            label: { show: true, position: "right", formatter: function (p) { return format(p.value); } } }
        ]
      });
    }
    groupChart("retention", "percent", function (v) { return v === null || v === undefined ? "—" : oneDecimal.format(v) + "%"; });
    groupChart("value", "money", function (v) { return v === null || v === undefined ? "—" : "€ " + money.format(v); });
  }

  window.addEventListener("resize", function () {
    charts.forEach(function (chart) { chart.resize(); });
  });
})();
