/* Charts of the influence and loyalty-quadrant pages (Apache ECharts).
 *
 * Reads the JSON islands #influence-data (CLV against influence score) and #quadrant-data
 * (behavioural against attitudinal loyalty), written by Django's json_script with texts
 * already translated. No inline script, so it runs under a strict CSP. Clicking a point opens
 * the customer's file. The period selectors submit themselves when changed.
 */
(function () {
  "use strict";

  document.querySelectorAll("form[data-autosubmit] select").forEach(function (select) {
    select.addEventListener("change", function () { select.form.submit(); });
  });

  if (typeof window.echarts === "undefined") {
    return;
  }
  var lang = document.documentElement.lang || undefined;
  var whole = new Intl.NumberFormat(lang, { maximumFractionDigits: 0 });
  var money = new Intl.NumberFormat(lang, { style: "currency", currency: "EUR", maximumFractionDigits: 0 });
  var percent = new Intl.NumberFormat(lang, { style: "percent", maximumFractionDigits: 0 });
  var style = getComputedStyle(document.documentElement);
  function cssColour(name, fallback) {
    var value = style.getPropertyValue(name).trim();
    return value || fallback;
  }
  var colours = {
    primary: cssColour("--bs-primary", "#0d6efd"),
    success: cssColour("--bs-success", "#198754"),
    warning: cssColour("--bs-warning", "#ffc107"),
    info: cssColour("--bs-info", "#0dcaf0"),
    grey: cssColour("--bs-secondary", "#6c757d"),
    light: cssColour("--bs-secondary-bg", "#e9ecef")
  };
  var charts = [];

  function island(id) {
    var element = document.getElementById(id);
    return element ? JSON.parse(element.textContent) : null;
  }

  function escape(text) {
    var div = document.createElement("div");
    div.textContent = String(text);
    return div.innerHTML;
  }

  function mount(name, option, urlTemplate) {
    var element = document.querySelector('[data-chart="' + name + '"]');
    if (!element) {
      return;
    }
    var chart = window.echarts.init(element, null, { renderer: "canvas" });
    option.animation = false;
    chart.setOption(option);
    chart.on("click", function (params) {
      if (params.data && params.data.length > 2) {
        window.location.href = urlTemplate.replace("/0/", "/" + params.data[2] + "/");
      }
    });
    charts.push(chart);
  }

  // Influence: financial CLV (x) against the influence score (y); low spend, high influence
  // in the highlighted colour.
  var influence = island("influence-data");
  if (influence) {
    var labels = influence.labels;
    var lowSpend = {};
    influence.low_spend_tiers.forEach(function (tier) { lowSpend[tier] = true; });
    var highlighted = [];
    var others = [];
    influence.points.forEach(function (point) {
      if (point[1] >= influence.threshold && lowSpend[point[4]]) {
        highlighted.push(point);
      } else {
        others.push(point);
      }
    });
    var tooltip = function (params) {
      var p = params.data;
      return "<strong>" + escape(labels.customer) + " " + escape(p[3]) + "</strong><br>" +
        escape(labels.tier) + ": " + escape(influence.tiers[String(p[4])] || "") + "<br>" +
        escape(labels.clv) + ": " + money.format(p[0]) + "<br>" +
        escape(labels.influence) + ": " + whole.format(p[1]);
    };
    mount("influence", {
      tooltip: { trigger: "item", formatter: tooltip },
      legend: { top: 0 },
      grid: { left: 16, right: 48, top: 36, bottom: 28, containLabel: true },
      xAxis: { type: "value", name: labels.clv, nameLocation: "middle", nameGap: 28, scale: true,
        axisLabel: { formatter: function (v) { return money.format(v); }, hideOverlap: true } },
      yAxis: { type: "value", name: labels.influence, nameLocation: "middle", nameGap: 36, min: 0, max: 100 },
      series: [
        { name: labels.others, type: "scatter", symbolSize: 6, data: others,
          itemStyle: { color: colours.grey, opacity: 0.45 },
          markLine: { silent: true, symbol: "none", lineStyle: { color: colours.primary, type: "dashed" },
            label: { formatter: "≥ " + influence.threshold }, data: [{ yAxis: influence.threshold }] } },
        { name: labels.low_spend, type: "scatter", symbolSize: 9, data: highlighted,
          itemStyle: { color: colours.primary, opacity: 0.9 } }
      ]
    }, influence.customer_url);
  }

  // Loyalty quadrant: behavioural (x) against attitudinal (y) loyalty, one colour a quadrant.
  var quadrant = island("quadrant-data");
  if (quadrant) {
    var qLabels = quadrant.labels;
    var colourOf = {
      "text-bg-success": colours.success,
      "text-bg-warning": colours.warning,
      "text-bg-info": colours.info,
      "text-bg-secondary": colours.grey
    };
    var byQuadrant = {};
    quadrant.points.forEach(function (point) {
      var code = String(point[4]);
      (byQuadrant[code] = byQuadrant[code] || []).push(point);
    });
    var series = ["1", "2", "3", "4"].map(function (code) {
      var info = quadrant.quadrants[code];
      return { name: info.label, type: "scatter", symbolSize: 6, data: byQuadrant[code] || [],
        itemStyle: { color: colourOf[info.badge] || colours.grey, opacity: 0.6 } };
    });
    series[0].markLine = {
      silent: true, symbol: "none", lineStyle: { color: colours.grey, type: "dashed" }, label: { show: false },
      data: [{ xAxis: quadrant.behaviour_high }, { yAxis: quadrant.attitude_high }]
    };
    mount("quadrant", {
      tooltip: {
        trigger: "item",
        formatter: function (params) {
          var p = params.data;
          return "<strong>" + escape(qLabels.customer) + " " + escape(p[3]) + "</strong><br>" +
            escape(params.seriesName) + "<br>" +
            escape(qLabels.behavioural) + ": " + percent.format(p[0]) + "<br>" +
            escape(qLabels.attitudinal) + ": " + percent.format(p[1]);
        }
      },
      legend: { top: 0 },
      grid: { left: 16, right: 24, top: 36, bottom: 28, containLabel: true },
      xAxis: { type: "value", name: qLabels.behavioural, nameLocation: "middle", nameGap: 28, min: 0, max: 1,
        axisLabel: { formatter: function (v) { return percent.format(v); } } },
      yAxis: { type: "value", name: qLabels.attitudinal, nameLocation: "middle", nameGap: 40, min: 0, max: 1,
        axisLabel: { formatter: function (v) { return percent.format(v); } } },
      series: series
    }, quadrant.customer_url);
  }

  window.addEventListener("resize", function () {
    charts.forEach(function (chart) { chart.resize(); });
  });
})();
