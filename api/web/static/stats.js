/* Statistics charts: each .chart-box names a <script type="application/json"> block holding
   {kind, title, unit, stat, group_by, dimensions, series, drill}; ECharts (vendored, /static/vendor)
   draws it. A click on a number opens the list of cases behind it (drill-down). */
(function () {
  "use strict";

  function uniq(list) {
    var seen = {}, out = [];
    list.forEach(function (x) { if (!seen[x]) { seen[x] = true; out.push(x); } });
    return out;
  }

  function drillUrl(d, group) {
    var keys = d.group_by.map(function (k) { return group[k] === null ? "" : group[k]; });
    return d.drill + (d.drill.indexOf("?") < 0 ? "?" : "&") + "group=" +
      encodeURIComponent(keys.join("|"));
  }

  function label(e) { return e.label || "合计"; }

  function item(e) { return { value: e.value, group: e.group }; }

  function twoDims(d, stacked, type) {
    var a = d.group_by[0], b = d.group_by[1];
    var xs = uniq(d.series.map(function (e) { return e.labels[a]; }));
    var names = uniq(d.series.map(function (e) { return e.labels[b]; }));
    var series = names.map(function (n) {
      var data = xs.map(function (x) {
        var e = d.series.filter(function (s) { return s.labels[a] === x && s.labels[b] === n; })[0];
        return e ? item(e) : null;
      });
      return { name: n, type: type, stack: stacked ? "all" : undefined, data: data };
    });
    return { legend: { top: 0, type: "scroll" }, xAxis: { type: "category", data: xs },
             yAxis: { type: "value", name: d.unit }, series: series };
  }

  function option(d) {
    // richText: the tooltip is drawn on the canvas; an HTML tooltip carries style attributes,
    // which the pages' CSP (style-src 'self') blocks
    var base = { tooltip: { trigger: d.kind === "heatmap" || d.kind === "box" ? "item" : "axis",
                            renderMode: "richText" },
                 grid: { left: 56, right: 24, top: 40, bottom: 64, containLabel: true },
                 animation: false };
    var o;
    if (d.kind === "box") {
      o = { xAxis: { type: "category", data: d.series.map(label) },
            yAxis: { type: "value", name: d.unit },
            series: [{ name: d.title, type: "boxplot", data: d.series.map(function (e) {
              return { value: [e.min, e.p25, e.median, e.p75, e.max], group: e.group };
            }) }] };
    } else if (d.kind === "heatmap" && d.group_by.length === 2) {
      var a = d.group_by[0], b = d.group_by[1];
      var xs = uniq(d.series.map(function (e) { return e.labels[a]; }));
      var ys = uniq(d.series.map(function (e) { return e.labels[b]; }));
      var values = d.series.map(function (e) { return e.value || 0; });
      o = { xAxis: { type: "category", data: xs, splitArea: { show: true } },
            yAxis: { type: "category", data: ys, splitArea: { show: true } },
            visualMap: { min: 0, max: Math.max.apply(null, values.concat([1])), calculable: true,
                         orient: "horizontal", left: "center", bottom: 0 },
            series: [{ name: d.title, type: "heatmap", label: { show: true },
                       data: d.series.map(function (e) {
                         return { value: [xs.indexOf(e.labels[a]), ys.indexOf(e.labels[b]),
                                          e.value], group: e.group };
                       }) }] };
      base.grid.bottom = 80;
    } else if (d.group_by.length === 2) {
      o = twoDims(d, d.kind === "stacked", d.kind === "line" ? "line" : "bar");
    } else {
      o = { xAxis: { type: "category", data: d.series.map(label) },
            yAxis: { type: "value", name: d.unit },
            series: [{ name: d.title, type: d.kind === "line" ? "line" : "bar",
                       label: { show: d.series.length <= 24, position: "top" },
                       data: d.series.map(item) }] };
    }
    Object.keys(o).forEach(function (k) { base[k] = o[k]; });
    return base;
  }

  document.querySelectorAll(".chart-box[data-chart]").forEach(function (box) {
    var source = document.getElementById(box.getAttribute("data-chart"));
    if (!source || !window.echarts) { return; }
    var d = JSON.parse(source.textContent);
    if (!d.series.length) {
      box.classList.add("empty");
      box.textContent = "所选期间没有数据。";
      return;
    }
    var chart = window.echarts.init(box, null, { renderer: "canvas" });
    chart.setOption(option(d));
    box.setAttribute("data-drawn", d.kind);
    chart.on("click", function (p) {
      if (p.data && p.data.group) { window.location.href = drillUrl(d, p.data.group); }
    });
    window.addEventListener("resize", function () { chart.resize(); });
  });
}());
