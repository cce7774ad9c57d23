/* Area pickers: a text field with data-area-search gets suggestions in its <datalist> from
   this server's /api/search as the visitor types ("Name (Kommun) — level, code": names
   first, codes last). Picking one fills in that label, which the search resolves by its
   code. Without scripts the field still takes a name or a code. */
(function () {
  "use strict";
  var lang = document.documentElement.getAttribute("lang") === "en" ? "en" : "sv";
  function attach(input) {
    var list = document.getElementById(input.getAttribute("list") || "");
    if (!list) { return; }
    var timer = null;
    var asked = "";
    function fill(q, res) {
      if (!res || input.value.trim() !== q) { return; }
      list.textContent = "";
      res.hits.forEach(function (h) {
        var o = document.createElement("option");
        o.value = h.label;
        list.appendChild(o);
      });
    }
    input.addEventListener("input", function () {
      var q = input.value.trim();
      if (q.length < 2 || q === asked) { return; }
      window.clearTimeout(timer);
      timer = window.setTimeout(function () {
        asked = q;
        var url = "/api/search?limit=12&lang=" + lang + "&q=" + encodeURIComponent(q);
        fetch(url, { headers: { accept: "application/json" } })
          .then(function (r) { return r.ok ? r.json() : null; })
          .then(function (res) { fill(q, res); })
          .catch(function () { return null; });
      }, 200);
    });
  }
  Array.prototype.forEach.call(document.querySelectorAll("input[data-area-search]"), attach);
})();
