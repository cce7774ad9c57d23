/* Draw the page's figures (JSON in #figures) with the local plotly.js. Maps reference the
   boundaries as "OMRADESBILD_GEO"; they are fetched once from this server (/api/geojson). */
(function () {
  "use strict";
  var el = document.getElementById("figures");
  if (!el || !window.Plotly) { return; }
  var figs = JSON.parse(el.textContent || "{}");
  var geoUrl = el.getAttribute("data-geo");
  var config = { responsive: true, displaylogo: false };
  function needsGeo(fig) {
    return fig.data.some(function (t) { return t.geojson === "OMRADESBILD_GEO"; });
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
      window.Plotly.newPlot(div, fig.data, fig.layout, config);
    });
  }
  var anyGeo = Object.keys(figs).some(function (id) { return needsGeo(figs[id]); });
  if (anyGeo && geoUrl) {
    fetch(geoUrl).then(function (r) { return r.json(); }).then(draw).catch(function () { draw(null); });
  } else {
    draw(null);
  }
})();
