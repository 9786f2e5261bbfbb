/* Staff editor: live plain-language check, one-click suggestions, live audience.
   Everything here also works without JavaScript (the "Prüfen" button re-renders on the server). */
(function () {
  "use strict";
  var form = document.getElementById("editor");
  if (!form) return;
  var text = document.getElementById("f-text");
  var profile = document.getElementById("f-profile");
  var report = document.getElementById("bericht");
  var audienceBox = document.getElementById("publikum-zahl");
  var audienceSection = document.getElementById("publikum");
  var CHANNELS = { email: "E-Mail", sms: "SMS", push: "Push", letter: "Brief" };
  var PROFILES = { leicht: "Leichte Sprache", einfach: "Einfache Sprache", standard: "Standardsprache" };
  // Same rule as the server (notify/web/staff/api.py): exactly one quoted replacement.
  var REPLACEMENT = /^[^„“]*„([^„“…]+)“(?: statt „[^„“]+“)?\.?$/;

  function debounce(fn, ms) {
    var timer;
    return function () { clearTimeout(timer); timer = setTimeout(fn, ms); };
  }

  function el(tag, attrs, children) {
    var node = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (k) {
      if (k === "text") node.textContent = attrs[k]; else node.setAttribute(k, attrs[k]);
    });
    (children || []).forEach(function (c) { if (c) node.appendChild(typeof c === "string" ? document.createTextNode(c) : c); });
    return node;
  }

  function marked(value, findings) {
    var cuts = [0, value.length];
    findings.forEach(function (f) { cuts.push(f.start, f.end); });
    cuts = cuts.filter(function (v, i, a) { return a.indexOf(v) === i; }).sort(function (a, b) { return a - b; });
    var box = el("div", { id: "markiert", "class": "marked" });
    for (var i = 0; i < cuts.length - 1; i++) {
      var a = cuts[i], b = cuts[i + 1], best = -1, bestLen = Infinity;
      findings.forEach(function (f, n) {
        if (f.start <= a && b <= f.end && f.end - f.start < bestLen) { best = n; bestLen = f.end - f.start; }
      });
      var piece = value.slice(a, b);
      if (best >= 0) box.appendChild(el("mark", { "data-finding": String(best), title: findings[best].message, text: piece }));
      else box.appendChild(document.createTextNode(piece));
    }
    return box;
  }

  function render(data, value) {
    var findings = data.findings || [];
    var children = [el("h2", { id: "bericht-h", text: "Verständlichkeit" })];
    var summary = el("p", { "class": "report-summary " + (data.passed ? "ok" : "warn") }, [
      el("strong", { text: data.passed ? "Gut verständlich" : "Noch schwer verständlich" }),
      ": Stufe „" + data.level + "“, Index " + data.index + " von 20 (höher ist leichter). Ziel: " +
        (PROFILES[data.profile] || data.profile) + ". ",
      el("span", { "class": "count", text: findings.length + " Hinweise." })
    ]);
    children.push(summary, el("h3", { text: "Ihr Text mit Markierungen" }), marked(value, findings));
    if (findings.length) {
      children.push(el("h3", { text: "Hinweise" }));
      var list = el("ol", { "class": "findings" });
      findings.forEach(function (f, n) {
        var m = REPLACEMENT.exec(f.suggestion || "");
        var item = el("li", { "data-finding": String(n) }, [
          el("p", {}, [el("q", { text: f.excerpt }), " – " + f.message]),
          el("p", { "class": "hint", text: f.suggestion })
        ]);
        if (m) {
          item.appendChild(el("button", {
            type: "submit", "class": "secondary small apply", name: "aktion", value: "anwenden:" + n, formnovalidate: "",
            "data-start": String(f.start), "data-end": String(f.end), "data-excerpt": f.excerpt, "data-replacement": m[1]
          }, ["„" + m[1] + "“ übernehmen", el("span", { "class": "visually-hidden", text: " statt „" + f.excerpt + "“" })]));
        }
        list.appendChild(item);
      });
      children.push(list);
    } else {
      children.push(el("p", { text: "Keine Hinweise." }));
    }
    report.replaceChildren.apply(report, children);
    report.setAttribute("data-ready", "ja");
  }

  var pending = null;
  function check() {
    var value = text.value;
    if (!value.trim()) return;
    if (pending) pending.abort();
    pending = new AbortController();
    report.setAttribute("aria-busy", "true");
    fetch("/v1/check", {
      method: "POST", headers: { "content-type": "application/json" }, signal: pending.signal,
      body: JSON.stringify({ text: value, profile: profile.value })
    }).then(function (r) { return r.ok ? r.json() : null; })
      .then(function (data) { if (data && text.value === value) render(data, value); })
      .catch(function () {})
      .finally(function () { report.removeAttribute("aria-busy"); });
  }
  var checkSoon = debounce(check, 500);
  text.addEventListener("input", checkSoon);
  profile.addEventListener("change", check);

  // One click: replace the excerpt at its offsets, if the text there is still what was checked.
  report.addEventListener("click", function (event) {
    var button = event.target.closest("button.apply");
    if (!button) return;
    var start = +button.dataset.start, end = +button.dataset.end;
    if (text.value.slice(start, end) !== button.dataset.excerpt) return; // stale: let the server do it
    event.preventDefault();
    text.value = text.value.slice(0, start) + button.dataset.replacement + text.value.slice(end);
    text.focus();
    text.setSelectionRange(start, start + button.dataset.replacement.length);
    check();
  });
  report.addEventListener("mouseover", function (event) {
    var li = event.target.closest("li[data-finding]");
    report.querySelectorAll(".active").forEach(function (n) { n.classList.remove("active"); });
    if (!li) return;
    report.querySelectorAll('mark[data-finding="' + li.dataset.finding + '"]').forEach(function (n) { n.classList.add("active"); });
  });

  function checkedValues(name) {
    return Array.prototype.map.call(form.querySelectorAll('input[name="' + name + '"]:checked'), function (i) { return i.value; });
  }

  function updateAudience() {
    var topics = checkedValues("topics");
    if (!topics.length) return;
    var mode = (form.querySelector('input[name="area_mode"]:checked') || {}).value;
    var districts = checkedValues("districts");
    var area = mode === "citywide" || !districts.length ? "citywide" : districts.join(",");
    var urgent = (form.querySelector('input[name="urgency"]:checked') || {}).value === "urgent";
    var url = "/v1/audience?topics=" + encodeURIComponent(topics.join(",")) + "&area=" + encodeURIComponent(area) +
      "&urgent=" + urgent;
    fetch(url, { credentials: "same-origin" }).then(function (r) { return r.ok ? r.json() : null; }).then(function (data) {
      if (!data) return;
      var items = Object.keys(data.by_channel).map(function (ch) { return el("li", { text: CHANNELS[ch] + ": " + data.by_channel[ch] }); });
      var nodes = [
        el("p", { "class": "big" }, [el("strong", { text: String(data.total) }), " Personen"]),
        el("ul", { "class": "by-channel" }, items),
        el("p", { "class": "hint", text: data.urgent ? "Dringend: jede Person über alle ihre bestätigten Kanäle." : "Jede Person einmal, über ihren ersten Kanal." })
      ];
      if (data.needs_approval) {
        nodes.push(el("p", { "class": "approval-needed" }, [el("strong", { text: "Freigabe nötig" }),
          data.urgent ? ": Dringende Nachrichten brauchen immer eine zweite Person." : ": mehr als " + data.threshold + " Personen."]));
      }
      audienceBox.replaceChildren.apply(audienceBox, nodes);
    }).catch(function () {});
  }
  if (audienceSection) {
    var audienceSoon = debounce(updateAudience, 300);
    form.addEventListener("change", function (event) {
      if (event.target.name === "districts" && event.target.checked) document.getElementById("area-districts").checked = true;
      if (["topics", "districts", "area_mode", "urgency"].indexOf(event.target.name) >= 0) audienceSoon();
    });
    if (!audienceBox.querySelector(".big")) updateAudience();
  }
})();

/* Unsaved changes: leaving the page warns, and "Jetzt senden" asks "An N Personen senden?" first.
   Without JavaScript the server does both jobs: every state change saves the text first, and
   sending shows a confirmation page (notify/web/staff/transitions.py). */
(function () {
  "use strict";
  var form = document.getElementById("editor");
  if (!form) return;
  function snapshot() {
    var parts = [];
    new FormData(form).forEach(function (value, key) { if (key !== "csrf_token") parts.push(key + "=" + value); });
    return parts.join("&");
  }
  var saved = form.getAttribute("data-unsaved") === "ja" ? null : snapshot();
  var submitting = false;
  function dirty() { return saved === null || snapshot() !== saved; }
  form.addEventListener("submit", function () { submitting = true; });
  window.addEventListener("beforeunload", function (event) {
    if (submitting || !dirty()) return;
    event.preventDefault();
    event.returnValue = "";  // the browser shows its own "Seite verlassen?" question
  });
  Array.prototype.forEach.call(document.querySelectorAll('button[data-confirm][form="editor"]'), function (button) {
    button.addEventListener("click", function (event) {
      if (dirty()) return;  // the server saves first, then asks on its own page with the new count
      if (!window.confirm(button.getAttribute("data-confirm"))) { event.preventDefault(); return; }
      var yes = document.createElement("input");
      yes.type = "hidden"; yes.name = "bestaetigt"; yes.value = "ja"; yes.setAttribute("form", "editor");
      form.appendChild(yes);
    });
  });
})();
