/* Method explorer: weight inputs and indicator checkboxes -> POST /api/index/explore ->
   table of new ranks and classes next to the method's own. No framework. */
(function () {
  "use strict";
  var root = document.getElementById("explorer");
  if (!root) { return; }
  var method = root.getAttribute("data-method");
  var level = root.getAttribute("data-level");
  var version = root.getAttribute("data-version");
  var en = root.getAttribute("data-lang") === "en";
  // The wording comes from the catalogue (data-t-* attributes of #explorer).
  // "{n:område|områden}" is the catalogue's plural: the first word when n is 1.
  function say(key, values) {
    var s = root.getAttribute("data-t-" + key) || key;
    values = values || {};
    s = s.replace(/\{(\w+):([^|{}]*)\|([^{}]*)\}/g, function (m, k, one, many) {
      return k in values ? (Number(values[k]) === 1 ? one : many) : m;
    });
    Object.keys(values).forEach(function (k) { s = s.split("{" + k + "}").join(String(values[k])); });
    return s;
  }
  // Numbers as wording.fmt_num writes them: decimal comma in Swedish.
  function num(x, decimals) {
    var s = x.toFixed(decimals);
    return en ? s : s.replace(".", ",");
  }
  var form = document.getElementById("explore-form");
  var body = document.querySelector("#weights tbody");
  var result = document.querySelector("#explore-result tbody");
  var summary = document.getElementById("explore-summary");
  var def = null;
  var timer = null;

  function cell(tr, text, cls) {
    var td = document.createElement("td");
    td.textContent = text === null || text === undefined ? "–" : String(text);
    if (cls) { td.className = cls; }
    tr.appendChild(td);
  }

  // Any non-negative number is a weight (only the ratios matter): step "any", so that
  // no value (e.g. 0.333) makes the form invalid and the browser refuse to submit it.
  function weightInput(unit, weight) {
    var w = document.createElement("input");
    w.type = "number"; w.min = "0"; w.step = "any"; w.name = "w:" + unit;
    w.inputMode = "decimal";
    w.value = String(Math.round((weight || 0) * 1000) / 1000);
    w.setAttribute("aria-label", say("weight-of", { unit: unit }));
    return w;
  }

  // Indicator id -> its name in the page's language (from /api/indicators).
  var names = {};
  function label(id) { return names[id] || id; }
  // Theme id -> its title in the page's language (the method page's list of themes).
  var themes = {};
  document.querySelectorAll(".method-themes li[data-theme]").forEach(function (li) {
    var span = li.querySelector("span");
    themes[li.getAttribute("data-theme")] = span ? span.textContent : li.getAttribute("data-theme");
  });
  function theme(id) { return themes[id] || id; }

  function build(m) {
    def = m;
    body.innerHTML = "";
    var themed = m.units.join() !== m.indicators.join();
    m.indicators.forEach(function (id) {
      var tr = document.createElement("tr");
      var td = document.createElement("td");
      var cb = document.createElement("input");
      cb.type = "checkbox"; cb.checked = true; cb.name = "include"; cb.value = id;
      cb.setAttribute("aria-label", label(id));
      td.appendChild(cb); tr.appendChild(td);
      // The indicator's name first, its id second.
      var tn = document.createElement("td");
      tn.textContent = label(id);
      if (names[id]) {
        var code = document.createElement("span");
        code.className = "note"; code.textContent = " " + id;
        tn.appendChild(code);
      }
      tr.appendChild(tn);
      var tw = document.createElement("td");
      if (!themed) {
        var w = weightInput(label(id), m.weights[id]);
        w.name = "w:" + id;
        tw.appendChild(w);
        // An indicator left out has no weight: its field is off and not sent.
        cb.addEventListener("change", function () { w.disabled = !cb.checked; });
      }
      tr.appendChild(tw);
      body.appendChild(tr);
    });
    if (themed) {
      m.units.forEach(function (u) {
        var tr = document.createElement("tr");
        cell(tr, "");
        cell(tr, say("theme", { unit: theme(u) }));
        var tw = document.createElement("td");
        var w = weightInput(theme(u), m.weights[u]);
        w.name = "w:" + u;
        tw.appendChild(w); tr.appendChild(tw);
        body.appendChild(tr);
      });
    }
    run();
  }

  function payload() {
    var weights = {};
    var include = [];
    form.querySelectorAll("input[name^='w:']").forEach(function (i) {
      var v = parseFloat(String(i.value || "0").replace(",", "."));
      if (!i.disabled && isFinite(v)) { weights[i.name.slice(2)] = v; }
    });
    form.querySelectorAll("input[name='include']").forEach(function (i) {
      if (i.checked) { include.push(i.value); }
    });
    return {
      method: method, level: level, version: version,
      period: form.elements.period ? form.elements.period.value : null,
      weights: weights,
      indicators: include.length === def.indicators.length ? null : include,
      draws: parseInt(form.elements.draws.value || "0", 10)
    };
  }

  function show(res) {
    result.innerHTML = "";
    res.rows.forEach(function (r) {
      var tr = document.createElement("tr");
      if (r["class"] !== r.base_class) { tr.className = "changed"; }
      cell(tr, r.rank, "num");
      var td = document.createElement("td");
      var a = document.createElement("a");
      a.href = "/omrade/" + encodeURIComponent(r.area_code) + (en ? "?lang=en" : "");
      a.textContent = r.name;
      td.appendChild(a); tr.appendChild(td);
      cell(tr, r.base_rank, "num");
      cell(tr, r.rank_change === null ? null : (r.rank_change > 0 ? "+" : "") + r.rank_change, "num");
      cell(tr, r.rank_p05 === null ? null : Math.round(r.rank_p05) + "–" + Math.round(r.rank_p95), "num");
      cell(tr, r["class"], "num");
      cell(tr, r.base_class, "num");
      result.appendChild(tr);
    });
    var rho = res.rank_correlation === null ? "–" : num(res.rank_correlation, 3);
    summary.textContent = say("summary", { n: res.n_areas, changed: res.n_class_changed, rho: rho })
      + (res.uncertainty.draws ? say("draws", { draws: res.uncertainty.draws }) : "");
  }

  var latest = 0;
  function run() {
    var mine = ++latest;
    summary.textContent = say("computing");
    fetch("/api/index/explore", {
      method: "POST",
      headers: { "Content-Type": "application/json", "Accept": "application/json" },
      body: JSON.stringify(payload())
    }).then(function (r) {
      return r.json().then(function (j) { return { ok: r.ok, j: j }; });
    }).then(function (x) {
      if (mine !== latest) { return; }  // a newer request is on its way
      if (!x.ok) { summary.textContent = say("error", { detail: x.j.detail }); return; }
      show(x.j);
    }).catch(function (e) { summary.textContent = String(e); });
  }

  // "Räkna om" runs at once (and replaces a recomputation still waiting for typing to stop).
  form.addEventListener("submit", function (e) {
    e.preventDefault();
    if (timer) { clearTimeout(timer); timer = null; }
    run();
  });
  form.addEventListener("input", function () {
    if (timer) { clearTimeout(timer); }
    timer = setTimeout(run, 400);
  });
  var catalogue = fetch("/api/indicators").then(function (r) { return r.json(); }).then(function (list) {
    list.forEach(function (i) { names[i.id] = en ? i.name_en : i.name_sv; });
  }).catch(function () { /* ids are shown instead */ });
  var definition = fetch("/api/methods/" + encodeURIComponent(method)).then(function (r) { return r.json(); });
  Promise.all([definition, catalogue]).then(function (x) { build(x[0]); });
})();
