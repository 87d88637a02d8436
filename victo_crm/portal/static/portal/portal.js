/* Citizen portal: progressive enhancements. Every page works without this file.
   - the address field becomes an accessible combobox (ARIA 1.2 pattern);
   - photos are checked (count, size) before upload, and upload shows its progress;
   - a request sent without a connection is kept on the device (IndexedDB) and sent when
     the connection comes back; the citizen is told either way;
   - the service worker is registered (offline page, installable app). */
(function () {
  "use strict";
  var config = {};
  try { config = JSON.parse(document.getElementById("portal-config").textContent); } catch (e) { config = {}; }
  var EN = (config.lang || document.documentElement.lang || "fr").slice(0, 2) === "en";
  var T = EN ? {
    found: function (n) { return n === 0 ? "No address found." : n + (n === 1 ? " address found. Use the arrow keys." : " addresses found. Use the arrow keys."); },
    tooMany: function (max) { return "You can attach at most " + max + " photos."; },
    tooBig: function (name, mb) { return "“" + name + "” is larger than " + mb + " MB."; },
    notImage: function (name) { return "“" + name + "” is not a JPEG, PNG or WebP image."; },
    kept: "You are offline. Your request is kept on this device and will be sent as soon as the connection returns. You can close this page.",
    sent: function (ref) { return "Your request kept on this device has been sent" + (ref ? " (" + ref + ")" : "") + "."; },
    failed: "A request kept on this device could not be sent: it was refused. Please fill in the form again.",
    see: "See the confirmation",
    pending: function (n) { return n + (n === 1 ? " request is waiting to be sent from this device." : " requests are waiting to be sent from this device."); },
    uploadError: "The upload failed. Check your connection and try again."
  } : {
    found: function (n) { return n === 0 ? "Aucune adresse trouvée." : n + (n === 1 ? " adresse trouvée. Utilisez les flèches pour choisir." : " adresses trouvées. Utilisez les flèches pour choisir."); },
    tooMany: function (max) { return "Vous pouvez joindre au plus " + max + " photos."; },
    tooBig: function (name, mb) { return "Le fichier « " + name + " » dépasse " + mb + " Mo."; },
    notImage: function (name) { return "Le fichier « " + name + " » n’est pas une image JPEG, PNG ou WebP."; },
    kept: "Vous êtes hors ligne. Votre requête est gardée sur cet appareil et sera envoyée dès le retour de la connexion. Vous pouvez fermer cette page.",
    sent: function (ref) { return "Votre requête gardée sur cet appareil a été envoyée" + (ref ? " (" + ref + ")" : "") + "."; },
    failed: "Une requête gardée sur cet appareil n’a pas pu être envoyée : elle a été refusée. Veuillez remplir le formulaire de nouveau.",
    see: "Voir la confirmation",
    pending: function (n) { return n + (n === 1 ? " requête attend d’être envoyée depuis cet appareil." : " requêtes attendent d’être envoyées depuis cet appareil."); },
    uploadError: "L’envoi a échoué. Vérifiez votre connexion et réessayez."
  };

  function status(message, kind, link) {
    var box = document.getElementById("portal-status");
    if (!box) { return; }
    var p = document.createElement("p");
    p.className = "notice notice--" + (kind || "info");
    p.textContent = message + " ";
    if (link) {
      var a = document.createElement("a");
      a.href = link; a.textContent = T.see;
      p.appendChild(a);
    }
    box.appendChild(p);
  }

  /* --- Error summary gets the focus after a refused submission ----------------------- */
  var summary = document.getElementById("error-summary");
  if (summary) { summary.focus(); }

  /* --- Address combobox ------------------------------------------------------------------ */
  function setupCombobox(root) {
    var input = root.querySelector("input[type=text]");
    var list = root.querySelector("[role=listbox]");
    var live = root.querySelector("[role=status]");
    var hidden = root.querySelector("input[name=address_id]");
    if (!input || !list || !hidden) { return; }
    input.setAttribute("role", "combobox");
    input.setAttribute("aria-autocomplete", "list");
    input.setAttribute("aria-expanded", "false");
    input.setAttribute("aria-controls", list.id);
    var items = [], active = -1, timer = null, lastQuery = "";

    function close() {
      list.hidden = true; input.setAttribute("aria-expanded", "false");
      input.removeAttribute("aria-activedescendant"); active = -1;
    }
    function highlight(index) {
      var options = list.querySelectorAll("[role=option]");
      options.forEach(function (o, i) { o.setAttribute("aria-selected", i === index ? "true" : "false"); });
      active = index;
      if (index >= 0 && options[index]) {
        input.setAttribute("aria-activedescendant", options[index].id);
        options[index].scrollIntoView({ block: "nearest" });
      }
    }
    function choose(index) {
      var item = items[index];
      if (!item) { return; }
      input.value = item.label; hidden.value = item.id; close();
      input.dispatchEvent(new CustomEvent("address:chosen", { bubbles: true, detail: item }));
    }
    function render(results) {
      items = results; list.innerHTML = "";
      results.forEach(function (item, i) {
        var li = document.createElement("li");
        li.id = list.id + "-" + i; li.setAttribute("role", "option"); li.setAttribute("aria-selected", "false");
        li.textContent = item.label;
        li.addEventListener("mousedown", function (e) { e.preventDefault(); choose(i); });
        list.appendChild(li);
      });
      if (live) { live.textContent = T.found(results.length); }
      if (results.length) { list.hidden = false; input.setAttribute("aria-expanded", "true"); } else { close(); }
      active = -1;
    }
    function search() {
      var q = input.value.trim();
      if (q === lastQuery) { return; }
      lastQuery = q;
      if (q.length < 2) { render([]); return; }
      fetch(root.dataset.url + "?q=" + encodeURIComponent(q), { credentials: "same-origin" })
        .then(function (r) { return r.json(); })
        .then(function (data) { if (input.value.trim() === q) { render(data.results || []); } })
        .catch(function () { /* offline: the server resolves the typed text */ });
    }
    input.addEventListener("input", function () {
      hidden.value = "";
      clearTimeout(timer); timer = setTimeout(search, 200);
    });
    input.addEventListener("keydown", function (e) {
      if (e.key === "ArrowDown") {
        e.preventDefault();
        if (list.hidden && items.length) { list.hidden = false; input.setAttribute("aria-expanded", "true"); }
        highlight(Math.min(active + 1, items.length - 1));
      } else if (e.key === "ArrowUp") {
        e.preventDefault(); highlight(Math.max(active - 1, 0));
      } else if (e.key === "Enter" && !list.hidden && active >= 0) {
        e.preventDefault(); choose(active);
      } else if (e.key === "Escape") {
        close();
      }
    });
    input.addEventListener("blur", function () { setTimeout(close, 150); });
  }
  document.querySelectorAll("[data-address-autocomplete]").forEach(setupCombobox);

  /* --- Photos: checked before upload --------------------------------------------------- */
  function checkPhotos(input) {
    var max = parseInt(input.dataset.maxCount || "8", 10);
    var maxBytes = parseInt(input.dataset.maxBytes || "10485760", 10);
    var problems = [];
    var files = Array.prototype.slice.call(input.files || []);
    if (files.length > max) { problems.push(T.tooMany(max)); }
    files.forEach(function (f) {
      if (f.size > maxBytes) { problems.push(T.tooBig(f.name, Math.round(maxBytes / 1048576))); }
      else if (f.type && ["image/jpeg", "image/png", "image/webp"].indexOf(f.type) === -1) { problems.push(T.notImage(f.name)); }
    });
    var preview = input.parentNode.querySelector(".photo-preview");
    if (preview) {
      preview.innerHTML = "";
      files.forEach(function (f) {
        var li = document.createElement("li");
        li.textContent = f.name + " (" + Math.max(1, Math.round(f.size / 1024)) + " Ko)";
        preview.appendChild(li);
      });
    }
    var errorId = input.id + "-client-error";
    var old = document.getElementById(errorId);
    if (old) { old.remove(); }
    var described = (input.getAttribute("aria-describedby") || "").split(" ").filter(function (id) { return id && id !== errorId; });
    if (problems.length) {
      var ul = document.createElement("ul");
      ul.className = "errorlist"; ul.id = errorId; ul.setAttribute("role", "alert");
      problems.forEach(function (p) { var li = document.createElement("li"); li.textContent = p; ul.appendChild(li); });
      input.parentNode.insertBefore(ul, input);
      described.unshift(errorId);
      input.setAttribute("aria-invalid", "true");
    } else {
      input.removeAttribute("aria-invalid");
    }
    input.setAttribute("aria-describedby", described.join(" "));
    return problems.length === 0;
  }
  document.querySelectorAll("input[type=file][data-max-count]").forEach(function (input) {
    input.addEventListener("change", function () { checkPhotos(input); });
  });

  /* --- The offline queue (IndexedDB) ---------------------------------------------------- */
  var DB = "victo-portal", STORE = "pending";
  function db() {
    return new Promise(function (resolve, reject) {
      if (!window.indexedDB) { reject(new Error("no indexedDB")); return; }
      var open = indexedDB.open(DB, 1);
      open.onupgradeneeded = function () { open.result.createObjectStore(STORE, { keyPath: "id" }); };
      open.onsuccess = function () { resolve(open.result); };
      open.onerror = function () { reject(open.error); };
    });
  }
  function tx(mode, fn) {
    return db().then(function (d) {
      return new Promise(function (resolve, reject) {
        var t = d.transaction(STORE, mode), store = t.objectStore(STORE), result;
        result = fn(store);
        t.oncomplete = function () { resolve(result && result.result !== undefined ? result.result : result); };
        t.onerror = function () { reject(t.error); };
      });
    });
  }
  function keep(form) {
    var entries = [], files = [];
    new FormData(form).forEach(function (value, key) {
      if (value instanceof File) { if (value.size) { files.push({ key: key, name: value.name, type: value.type, blob: value }); } }
      else { entries.push([key, value]); }
    });
    var id = (form.querySelector("[name=draft_id]") || {}).value || String(Date.now());
    return tx("readwrite", function (s) {
      return s.put({ id: id, url: form.action, entries: entries, files: files, type: form.dataset.typeName || "", at: Date.now() });
    });
  }
  function allPending() { return tx("readonly", function (s) { return s.getAll(); }); }
  function drop(id) { return tx("readwrite", function (s) { return s.delete(id); }); }
  function sendPending(item) {
    var data = new FormData();
    item.entries.forEach(function (e) { data.append(e[0], e[1]); });
    item.files.forEach(function (f) { data.append(f.key, new File([f.blob], f.name, { type: f.type })); });
    return fetch(item.url, { method: "POST", body: data, credentials: "same-origin", redirect: "follow" })
      .then(function (r) {
        if (r.ok && r.redirected) {
          return drop(item.id).then(function () { status(T.sent(""), "success", r.url); });
        }
        // Refused (a field no longer valid, the session expired): never retried silently.
        return drop(item.id).then(function () { status(T.failed + (item.type ? " (" + item.type + ")" : ""), "error"); });
      });
  }
  var flushing = false;
  function flush() {
    if (flushing) { return; }  // the browser and the page may both say "online"
    if (!navigator.onLine) {
      allPending().then(function (items) { if (items && items.length) { status(T.pending(items.length), "warning"); } }).catch(function () {});
      return;
    }
    flushing = true;
    allPending().then(function (items) {
      return (items || []).reduce(function (p, item) { return p.then(function () { return sendPending(item); }); }, Promise.resolve());
    }).catch(function () {}).then(function () { flushing = false; });
  }
  window.addEventListener("online", flush);
  flush();

  /* --- Submission with progress, or kept offline ---------------------------------------- */
  function enhanceUpload(form) {
    form.addEventListener("submit", function (e) {
      var photos = form.querySelector("input[type=file][data-max-count]");
      if (photos && !checkPhotos(photos)) { e.preventDefault(); photos.focus(); return; }
      if (!window.FormData || !window.XMLHttpRequest) { return; }
      e.preventDefault();
      var button = form.querySelector("button[type=submit]");
      if (!navigator.onLine && form.hasAttribute("data-submit-form")) {
        keep(form).then(function () { status(T.kept, "warning"); }).catch(function () { status(T.uploadError, "error"); });
        return;
      }
      var box = form.querySelector(".upload-progress"), bar = box && box.querySelector("progress");
      if (box) { box.hidden = false; }
      if (button) { button.disabled = true; }
      var xhr = new XMLHttpRequest();
      xhr.open("POST", form.action);
      xhr.upload.onprogress = function (ev) { if (bar && ev.lengthComputable) { bar.value = Math.round(100 * ev.loaded / ev.total); } };
      xhr.onload = function () {
        var action = new URL(form.action, location.href).pathname;
        var landed = xhr.responseURL ? new URL(xhr.responseURL).pathname : action;
        if (landed !== action) { location.assign(xhr.responseURL); return; }
        // Refused: show the page the server rendered, with its messages and what was typed.
        document.open(); document.write(xhr.responseText); document.close();
        history.replaceState(null, "", location.href);
      };
      xhr.onerror = function () {
        if (box) { box.hidden = true; }
        if (button) { button.disabled = false; }
        if (form.hasAttribute("data-submit-form")) {
          keep(form).then(function () { status(T.kept, "warning"); }).catch(function () { status(T.uploadError, "error"); });
        } else {
          status(T.uploadError, "error");
        }
      };
      xhr.send(new FormData(form));
    });
  }
  document.querySelectorAll("form[data-submit-form], form[data-upload-form]").forEach(enhanceUpload);

  /* --- Offline page lists what waits ------------------------------------------------------ */
  var pendingList = document.getElementById("pending-list");
  if (pendingList) {
    allPending().then(function (items) {
      if (!items || !items.length) { return; }
      var ul = pendingList.querySelector("ul");
      items.forEach(function (item) {
        var li = document.createElement("li");
        li.textContent = (item.type || "") + " — " + new Date(item.at).toLocaleString(EN ? "en-CA" : "fr-CA");
        ul.appendChild(li);
      });
      pendingList.hidden = false;
    }).catch(function () {});
  }

  /* --- Service worker ------------------------------------------------------------------------ */
  if ("serviceWorker" in navigator && config.sw) {
    window.addEventListener("load", function () {
      navigator.serviceWorker.register(config.sw, { scope: config.scope }).catch(function () {});
    });
  }
})();
