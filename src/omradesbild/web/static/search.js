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
  /* A picker with data-area-add="<id>" adds the code of the area picked (the end of its
     label) to the comma-separated codes of the field <id>. */
  function adder(input) {
    var target = document.getElementById(input.getAttribute("data-area-add") || "");
    var list = document.getElementById(input.getAttribute("list") || "");
    if (!target || !list) { return; }
    input.addEventListener("change", function () {
      var picked = Array.prototype.some.call(list.options, function (o) {
        return o.value === input.value;
      });
      var m = /, ([^,\s]+)$/.exec(input.value);
      if (!picked || !m) { return; }
      var codes = target.value.split(",").map(function (c) { return c.trim(); })
        .filter(function (c) { return c; });
      if (codes.indexOf(m[1]) < 0) { codes.push(m[1]); }
      target.value = codes.join(", ");
      input.value = "";
    });
  }
  Array.prototype.forEach.call(document.querySelectorAll("input[data-area-search]"), attach);
  Array.prototype.forEach.call(document.querySelectorAll("input[data-area-add]"), adder);
})();
