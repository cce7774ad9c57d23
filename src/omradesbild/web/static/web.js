/* Draw the page's figures (JSON in #figures) with the local plotly.js. Maps reference the
   boundaries as "OMRADESBILD_GEO"; they are fetched once from this server (/api/geojson).
   A figure inside a closed <details> is drawn when it is first opened (it has no size
   before). A map whose element has data-link opens the clicked area's page. */
/* A box that scrolls (a long table in .scroll; any table on a phone) takes the keyboard's
   focus when nothing inside it can, so it scrolls without a mouse too. */
(function () {
  "use strict";
  var inner = "a[href], button, input, select, textarea, [tabindex]";
  document.querySelectorAll("main .scroll, main .table-scroll, main table").forEach(function (box) {
    var style = window.getComputedStyle(box);
    if (style.overflowX === "visible" && style.overflowY === "visible") { return; }
    var scrolls = box.scrollHeight > box.clientHeight || box.scrollWidth > box.clientWidth;
    if (scrolls && !box.hasAttribute("tabindex") && !box.querySelector(inner)) {
      box.setAttribute("tabindex", "0");
    }
  });
})();
(function () {
  "use strict";
  var el = document.getElementById("figures");
  if (!el || !window.Plotly) { return; }
  var figs = JSON.parse(el.textContent || "{}");
  var geoUrl = el.getAttribute("data-geo");
  // No toolbar button leads to another host: neither Plotly's logo nor its "Share chart..."
  // (which sends the chart to Plotly's cloud).
  var config = {
    responsive: true, displaylogo: false, showSendToCloud: false,
    modeBarButtonsToRemove: ["sendChartToCloud"]
  };
  function needsGeo(fig) {
    return fig.data.some(function (t) { return t.geojson === "OMRADESBILD_GEO"; });
  }
  function linkClicks(div) {
    var link = div.getAttribute("data-link");
    if (!link || !div.on) { return; }
    var lang = div.getAttribute("data-lang");
    div.on("plotly_click", function (ev) {
      var p = ev && ev.points && ev.points[0];
      if (!p || !p.location) { return; }
      window.location.href = link + encodeURIComponent(p.location) + (lang ? "?lang=" + lang : "");
    });
  }
  // The chart toolbar stays for the mouse but out of the tab order (the page's tables carry
  // the same numbers for the keyboard); Plotly redraws it, so after every draw.
  function untab(div) {
    div.querySelectorAll(".modebar-btn").forEach(function (b) { b.setAttribute("tabindex", "-1"); });
  }
  function plot(div, fig) {
    window.Plotly.newPlot(div, fig.data, fig.layout, config).then(function () {
      linkClicks(div);
      untab(div);
      if (div.on) { div.on("plotly_afterplot", function () { untab(div); }); }
    });
  }
  function drawLater(div, fig, details) {
    function onToggle() {
      if (!details.open) { return; }
      details.removeEventListener("toggle", onToggle);
      plot(div, fig);
    }
    details.addEventListener("toggle", onToggle);
  }
  function draw(geo) {
    Object.keys(figs).forEach(function (id) {
      var div = document.getElementById(id);
      var fig = figs[id];
      if (!div) { return; }
      if (needsGeo(fig)) {
        if (!geo) { return; }
        fig.data.forEach(function (t) { if (t.geojson === "OMRADESBILD_GEO") { t.geojson = geo; } });
      }
      var details = div.closest("details");
      if (details && !details.open) {
        drawLater(div, fig, details);
      } else {
        plot(div, fig);
      }
    });
  }
  var anyGeo = Object.keys(figs).some(function (id) { return needsGeo(figs[id]); });
  if (anyGeo && geoUrl) {
    fetch(geoUrl).then(function (r) { return r.json(); }).then(draw).catch(function () { draw(null); });
  } else {
    draw(null);
  }
})();
