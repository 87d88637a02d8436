/* Search suggestions while typing: the ARIA 1.2 combobox pattern (input + listbox).
   Without JavaScript the form still submits to the search page. */
(function () {
  "use strict";
  var forms = document.querySelectorAll("form.search-box[data-suggest-url]");
  Array.prototype.forEach.call(forms, function (form) {
    var input = form.querySelector("input[role=combobox]");
    var list = form.querySelector("[role=listbox]");
    var status = form.querySelector(".search-box__status");
    var url = form.getAttribute("data-suggest-url");
    var lang = document.documentElement.lang || "fr";
    var active = -1, timer = null, lastQuery = "", controller = null;

    function options() { return list.querySelectorAll("[role=option]"); }
    function close() {
      list.hidden = true; list.innerHTML = ""; active = -1;
      input.setAttribute("aria-expanded", "false");
      input.removeAttribute("aria-activedescendant");
    }
    function highlight(index) {
      var items = options();
      if (!items.length) return;
      active = (index + items.length) % items.length;
      Array.prototype.forEach.call(items, function (item, i) {
        item.setAttribute("aria-selected", i === active ? "true" : "false");
      });
      input.setAttribute("aria-activedescendant", items[active].id);
      items[active].scrollIntoView({ block: "nearest" });
    }
    function go(item) { if (item) window.location.href = item.getAttribute("data-url"); }
    function render(data) {
      list.innerHTML = ""; active = -1;
      var items = data.suggestions || [];
      items.forEach(function (s, i) {
        var li = document.createElement("li");
        li.id = input.id + "-option-" + i;
        li.setAttribute("role", "option");
        li.setAttribute("aria-selected", "false");
        li.setAttribute("data-url", s.url);
        var label = document.createElement("span"); label.textContent = s.label;
        var kind = document.createElement("span"); kind.className = "kind"; kind.textContent = s.kind;
        li.appendChild(label); li.appendChild(kind);
        li.addEventListener("mousedown", function (e) { e.preventDefault(); });
        li.addEventListener("click", function () { go(li); });
        list.appendChild(li);
      });
      var n = items.length;
      if (status) {
        status.textContent = n === 0 ? "" : (lang === "en"
          ? n + (n > 1 ? " suggestions available." : " suggestion available.")
          : n + (n > 1 ? " suggestions offertes." : " suggestion offerte."));
      }
      list.hidden = n === 0;
      input.setAttribute("aria-expanded", n ? "true" : "false");
      if (!n) input.removeAttribute("aria-activedescendant");
    }
    function fetchSuggestions() {
      var q = input.value.trim();
      if (q === lastQuery) return;
      lastQuery = q;
      if (q.length < 2) { close(); return; }
      if (controller) controller.abort();
      controller = window.AbortController ? new AbortController() : null;
      fetch(url + "?q=" + encodeURIComponent(q), {
        headers: { "Accept": "application/json" }, signal: controller ? controller.signal : undefined
      }).then(function (r) { return r.ok ? r.json() : { suggestions: [] }; })
        .then(function (data) { if (input.value.trim() === q) render(data); })
        .catch(function () {});
    }
    input.addEventListener("input", function () {
      clearTimeout(timer); timer = setTimeout(fetchSuggestions, 120);
    });
    input.addEventListener("keydown", function (e) {
      var open = !list.hidden;
      if (e.key === "ArrowDown") { e.preventDefault(); if (open) highlight(active + 1); else { lastQuery = ""; fetchSuggestions(); } }
      else if (e.key === "ArrowUp") { if (open) { e.preventDefault(); highlight(active - 1); } }
      else if (e.key === "Enter") { if (open && active >= 0) { e.preventDefault(); go(options()[active]); } }
      else if (e.key === "Escape") { if (open) { e.preventDefault(); close(); } }
    });
    input.addEventListener("blur", function () { setTimeout(close, 150); });
  });
})();
