/* Citizen portal: progressive enhancements. Every page works without this file.
   - the address field becomes an accessible combobox (ARIA 1.2 pattern);
   - photos are checked (count, size) before upload, and upload shows its progress;
   - a request started or sent without a connection is kept on the device (IndexedDB: the
     type, fields, place, description and photos as blobs) and sent when the connection comes
     back — on the "online" event or at the next portal page; the citizen is told either way,
     and a copy the server refused stays until they retry or discard it;
   - this browser can be registered for push notifications (preferences page);
   - the service worker is registered (offline page, installable app, push).
   Every message comes translated from the page (portal-messages, see templatetags/portal.py). */
(function () {
  "use strict";
  function readJson(id) {
    try { return JSON.parse(document.getElementById(id).textContent); } catch (e) { return {}; }
  }
  var config = readJson("portal-config");
  var M = readJson("portal-messages");
  var LANG = (config.lang || document.documentElement.lang || "fr").slice(0, 2);
  var EN = LANG === "en";

  function fmt(text, values) {
    return String(text || "").replace(/%\((\w+)\)s/g, function (all, name) {
      return values && values[name] !== undefined ? String(values[name]) : all;
    });
  }
  function plural(key, n, values) {
    var forms = M[key] || {};
    var one = EN ? n === 1 : n <= 1;  // French: 0 and 1 take the singular
    return fmt(one ? forms.one : forms.other, values);
  }
  function csrfToken() {
    var match = document.cookie.match(/(?:^|;\s*)csrftoken=([^;]+)/);
    if (match) { return decodeURIComponent(match[1]); }
    var input = document.querySelector("input[name=csrfmiddlewaretoken]");
    return input ? input.value : config.csrf || "";
  }
  function randomToken() {
    if (window.crypto && crypto.randomUUID) { return crypto.randomUUID().replace(/-/g, ""); }
    var bytes = new Uint8Array(16);
    crypto.getRandomValues(bytes);
    return Array.prototype.map.call(bytes, function (b) { return ("0" + b.toString(16)).slice(-2); }).join("");
  }

  function status(message, kind, link) {
    var box = document.getElementById("portal-status");
    if (!box) { return null; }
    var p = document.createElement("div");
    p.className = "notice notice--" + (kind || "info");
    var text = document.createElement("p");
    text.textContent = message + " ";
    if (link) {
      var a = document.createElement("a");
      a.href = link; a.textContent = M.see;
      text.appendChild(a);
    }
    p.appendChild(text);
    box.appendChild(p);
    return p;
  }

  /* The error summary and the messages take the focus in static/js/focus.js (every page). */

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
      // Say what was chosen: the live region must not stay at "1 adresse trouvée…".
      if (live) { live.textContent = fmt(M.chosen, { label: item.label }); }
      lastQuery = item.label.trim();
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
      if (live) { live.textContent = results.length ? plural("found", results.length, { count: results.length }) : M.notFound; }
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
    var kept = input.form ? input.form.querySelectorAll("[data-kept-photo]").length : 0;
    if (files.length + kept > max) { problems.push(fmt(M.tooMany, { max: max })); }
    files.forEach(function (f) {
      if (f.size > maxBytes) { problems.push(fmt(M.tooBig, { name: f.name, mb: Math.round(maxBytes / 1048576) })); }
      else if (f.type && ["image/jpeg", "image/png", "image/webp"].indexOf(f.type) === -1) { problems.push(fmt(M.notImage, { name: f.name })); }
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
  function watchPhotos(root) {
    root.querySelectorAll("input[type=file][data-max-count]").forEach(function (input) {
      input.addEventListener("change", function () { checkPhotos(input); });
    });
  }
  watchPhotos(document);

  /* --- The offline queue (IndexedDB) ---------------------------------------------------- */
  /* An item: {id: the form's draft token, url, entries: [[name, value]...], files: [{key,
     name, type, blob}], type: the request type's name, at, state: "pending" | "failed",
     reason}. The server files one request per token (service_requests.Receipt), so a copy
     sent twice — two tabs, a lost answer — is filed once. */
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
        t.oncomplete = function () { d.close(); resolve(result && result.result !== undefined ? result.result : result); };
        t.onerror = function () { d.close(); reject(t.error); };
      });
    });
  }
  function put(item) { return tx("readwrite", function (s) { return s.put(item); }); }
  function allPending() { return tx("readonly", function (s) { return s.getAll(); }); }
  function drop(id) { return tx("readwrite", function (s) { return s.delete(id); }); }

  function keep(form) {
    var entries = [], files = [];
    var token = form.querySelector("[name=draft_id]");
    if (token && !token.value) { token.value = randomToken(); }
    new FormData(form).forEach(function (value, key) {
      if (value instanceof File) { if (value.size) { files.push({ key: key, name: value.name, type: value.type, blob: value }); } }
      else if (key !== "csrfmiddlewaretoken") { entries.push([key, value]); }  // a fresh one is sent
    });
    var id = (token && token.value) || randomToken();
    return put({ id: id, url: form.action, entries: entries, files: files, type: form.dataset.typeName || "",
                 at: Date.now(), state: "pending", reason: "" });
  }

  function dateOf(item) {
    return new Date(item.at).toLocaleString(EN ? "en-CA" : "fr-CA", { dateStyle: "long", timeStyle: "short" });
  }
  function showNotSent(item) {
    var box = status(fmt(M.notSent, { type: item.type || "", date: dateOf(item), reason: item.reason || M.refusedGeneric }), "error");
    if (!box) { return; }
    box.setAttribute("data-pending-id", item.id);
    var actions = document.createElement("p");
    actions.className = "actions";
    var retry = document.createElement("button");
    retry.type = "button"; retry.className = "button"; retry.textContent = M.retry;
    var discard = document.createElement("button");
    discard.type = "button"; discard.className = "button button--secondary"; discard.textContent = M.discard;
    retry.addEventListener("click", function () {
      box.remove();
      item.state = "pending"; item.reason = "";
      put(item).then(function () { flush(); });
    });
    discard.addEventListener("click", function () {
      drop(item.id).then(function () { box.remove(); status(M.discarded, "info"); });
    });
    actions.appendChild(retry); actions.appendChild(discard);
    box.appendChild(actions);
  }

  function sendPending(item) {
    var data = new FormData();
    item.entries.forEach(function (e) { data.append(e[0], e[1]); });
    data.append("csrfmiddlewaretoken", csrfToken());
    item.files.forEach(function (f) { data.append(f.key, new File([f.blob], f.name, { type: f.type })); });
    return fetch(item.url, {
      method: "POST", body: data, credentials: "same-origin",
      headers: { "Accept": "application/json", "X-CSRFToken": csrfToken() }
    }).then(function (r) {
      var type = r.headers.get("Content-Type") || "";
      var body = type.indexOf("application/json") === 0 ? r.json().catch(function () { return {}; }) : Promise.resolve({});
      return body.then(function (answer) {
        if (r.ok && answer.reference) {
          return drop(item.id).then(function () { status(fmt(M.sent, { reference: answer.reference }), "success", answer.url); });
        }
        // Refused (a field no longer valid, a signed-out session): never resent silently.
        item.state = "failed";
        item.reason = (answer.errors && answer.errors.join(" ")) || answer.error ||
          (r.status === 403 ? M.refusedSession : M.refusedGeneric);
        return put(item).then(function () { showNotSent(item); });
      });
    });  // a network error rejects: the item stays pending for the next try
  }

  var flushing = false;
  function flushNow() {
    return allPending().then(function (items) {
      items = items || [];
      var waiting = items.filter(function (i) { return i.state !== "failed"; });
      if (!navigator.onLine) {
        if (waiting.length) { status(plural("pending", waiting.length, { count: waiting.length }), "warning"); }
        return;
      }
      return waiting.reduce(function (p, item) {
        return p.then(function () { status(M.sending, "info"); return sendPending(item); });
      }, Promise.resolve());
    });
  }
  function flush() {
    if (flushing) { return Promise.resolve(); }  // the browser and the page may both say "online"
    flushing = true;
    // One tab at a time sends (the server would file each form once anyway).
    var run = navigator.locks ? navigator.locks.request("victo-portal-send", flushNow) : flushNow();
    return run.catch(function () {}).then(function () { flushing = false; });
  }
  window.addEventListener("online", function () { flush(); });
  // At each portal page: the copies the server refused, then whatever still waits.
  allPending().then(function (items) {
    (items || []).filter(function (i) { return i.state === "failed"; }).forEach(showNotSent);
  }).catch(function () {}).then(function () { flush(); });

  /* --- Photos kept from a refused form: "Retirer" without sending the form ---------------- */
  document.addEventListener("click", function (e) {
    var button = e.target.closest && e.target.closest("button[name=remove_upload][data-remove-url]");
    if (!button || !window.fetch) { return; }
    e.preventDefault();
    var item = button.closest("[data-kept-photo]");
    var name = item ? (item.querySelector(".kept-photo__name") || {}).textContent : "";
    fetch(button.dataset.removeUrl, {
      method: "POST", credentials: "same-origin", headers: { "X-CSRFToken": csrfToken() }
    }).then(function (r) {
      if (!r.ok && r.status !== 404) { throw new Error(String(r.status)); }
      var list = item && item.parentNode;
      var next = item && (item.nextElementSibling || item.previousElementSibling);
      if (item) { item.remove(); }
      if (list && !list.children.length) { list.remove(); }
      var photos = document.getElementById("id_photos");
      status(fmt(M.photoRemoved, { name: name }), "success");
      var target = next ? next.querySelector("button") : photos;
      if (target) { target.focus(); }
    }).catch(function () { status(M.photoRemoveFailed, "error"); });
  });

  /* --- Submission with progress, or kept offline ---------------------------------------- */
  function keepOffline(form) {
    return keep(form).then(function () {
      status(M.kept, "warning");
      var button = form.querySelector(".actions button[type=submit]");
      if (button) { button.disabled = true; }
    }).catch(function () { status(M.keptFailed, "error"); });
  }
  function enhanceUpload(form) {
    form.addEventListener("submit", function (e) {
      var photos = form.querySelector("input[type=file][data-max-count]");
      if (photos && !checkPhotos(photos)) { e.preventDefault(); photos.focus(); return; }
      if (!window.FormData || !window.XMLHttpRequest) { return; }
      e.preventDefault();
      var button = form.querySelector(".actions button[type=submit]");
      if (!navigator.onLine && form.hasAttribute("data-submit-form")) { keepOffline(form); return; }
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
        if (form.hasAttribute("data-submit-form")) { keepOffline(form); }
        else { status(M.uploadError, "error"); }
      };
      xhr.send(new FormData(form));
    });
  }
  document.querySelectorAll("form[data-submit-form], form[data-upload-form]").forEach(enhanceUpload);

  /* --- Started offline: the location step goes on without the server --------------------- */
  /* The next step's form waits in a <template>; the place chosen here travels in it. */
  function setStep(number) {
    document.querySelectorAll(".steps li").forEach(function (li, i) {
      if (i === number - 1) { li.setAttribute("aria-current", "step"); } else { li.removeAttribute("aria-current"); }
    });
  }
  var locationForm = document.querySelector("form[data-offline-location]");
  var offlineTemplate = document.getElementById("offline-details");
  if (locationForm && offlineTemplate && "content" in offlineTemplate) {
    var offlineSection = null;
    locationForm.addEventListener("submit", function (e) {
      if (navigator.onLine) { return; }
      e.preventDefault();
      var value = function (name) { var el = locationForm.querySelector("[name=" + name + "]"); return el ? el.value.trim() : ""; };
      var checkedId = locationForm.querySelector("input[type=radio][name=address_id]:checked");
      var place = {
        address_id: checkedId ? checkedId.value : value("address_id"),
        address_query: value("address_query"), latitude: value("latitude"),
        longitude: value("longitude"), location_text: value("location_text")
      };
      if (locationForm.dataset.locationRequired === "1" && !place.address_id && !place.address_query && !place.latitude) {
        status(M.placeNeeded, "error");
        var address = locationForm.querySelector("[name=address_query]");
        if (address) { address.focus(); }
        return;
      }
      if (!offlineSection) {
        offlineSection = offlineTemplate.content.firstElementChild.cloneNode(true);
        locationForm.parentNode.insertBefore(offlineSection, locationForm.nextSibling);
        var details = offlineSection.querySelector("form[data-submit-form]");
        details.querySelector("[name=draft_id]").value = randomToken();
        watchPhotos(details);
        enhanceUpload(details);
        offlineSection.querySelector("[data-offline-back]").addEventListener("click", function () {
          offlineSection.hidden = true; locationForm.hidden = false; setStep(2);
          var first = locationForm.querySelector("input[type=text]");
          if (first) { first.focus(); }
        });
      }
      Object.keys(place).forEach(function (name) {
        var input = offlineSection.querySelector("form [type=hidden][name=" + name + "]");
        if (input) { input.value = place[name]; }
      });
      var chosen = checkedId ? checkedId.parentNode.textContent.trim() : place.address_query;
      if (!chosen && place.latitude) { chosen = Number(place.latitude).toFixed(5) + ", " + Number(place.longitude).toFixed(5); }
      offlineSection.querySelector("[data-offline-place]").textContent =
        [chosen, place.location_text].filter(Boolean).join(" — ");
      setStep(3);
      locationForm.hidden = true;
      offlineSection.hidden = false;
      offlineSection.querySelector("h2").focus();
    });
  }

  /* --- Offline page lists what waits ------------------------------------------------------ */
  var pendingList = document.getElementById("pending-list");
  if (pendingList) {
    allPending().then(function (items) {
      if (!items || !items.length) { return; }
      var ul = pendingList.querySelector("ul");
      items.forEach(function (item) {
        var li = document.createElement("li");
        li.textContent = (item.type || "") + " — " + dateOf(item);
        ul.appendChild(li);
      });
      pendingList.hidden = false;
    }).catch(function () {});
  }

  /* --- Push notifications on this device (preferences page) ---------------------------- */
  /* Permission is asked only when the button is pressed. Without the Push API, or without
     the town's VAPID key, nothing of this shows. */
  function keyBytes(base64url) {
    var padded = (base64url + "===".slice((base64url.length + 3) % 4)).replace(/-/g, "+").replace(/_/g, "/");
    var raw = atob(padded), bytes = new Uint8Array(raw.length);
    for (var i = 0; i < raw.length; i++) { bytes[i] = raw.charCodeAt(i); }
    return bytes;
  }
  function deviceName() {
    var ua = navigator.userAgent;
    var browser = /Edg\//.test(ua) ? "Edge" : /Firefox\//.test(ua) ? "Firefox" : /Chrom(e|ium)\//.test(ua) ? "Chrome" : /Safari\//.test(ua) ? "Safari" : "";
    var system = /Android/.test(ua) ? "Android" : /iPhone|iPad/.test(ua) ? "iOS" : /Windows/.test(ua) ? "Windows" : /Mac OS X/.test(ua) ? "macOS" : /Linux/.test(ua) ? "Linux" : "";
    return [browser, system].filter(Boolean).join(" · ");
  }
  function postJson(url, payload) {
    return fetch(url, {
      method: "POST", credentials: "same-origin",
      headers: { "Content-Type": "application/json", "Accept": "application/json", "X-CSRFToken": csrfToken() },
      body: payload === undefined ? "{}" : JSON.stringify(payload)
    }).then(function (r) {
      return r.json().catch(function () { return {}; }).then(function (answer) {
        if (!r.ok) { var error = new Error(answer.error || M.pushFailed); error.status = r.status; throw error; }
        return answer;
      });
    });
  }
  function setupPush(root) {
    var section = root.closest("[data-push-section]");
    var supported = root.dataset.key && "serviceWorker" in navigator && "PushManager" in window && "Notification" in window;
    if (!supported) { return; }
    var subscribe = root.querySelector("[data-push-subscribe]");
    var unsubscribe = root.querySelector("[data-push-unsubscribe]");
    var live = root.querySelector("[data-push-status]");
    var STORED = "victo-push-device";
    function show(state, message) {
      subscribe.hidden = state === "on";
      unsubscribe.hidden = state !== "on";
      subscribe.disabled = unsubscribe.disabled = false;
      live.textContent = message || (state === "on" ? M.pushOn : state === "denied" ? M.pushDenied : M.pushOff);
    }
    function busy() { subscribe.disabled = unsubscribe.disabled = true; live.textContent = M.pushWorking; }
    function register(subscription) {
      return postJson(root.dataset.subscribeUrl, { subscription: subscription.toJSON(), name: deviceName() }).then(function (answer) {
        try { localStorage.setItem(STORED, answer.unsubscribe_url || ""); } catch (e) { /* private mode */ }
        return answer;
      });
    }
    if (section) { section.hidden = false; }
    root.hidden = false;
    show(Notification.permission === "denied" ? "denied" : "off");
    navigator.serviceWorker.ready.then(function (reg) { return reg.pushManager.getSubscription(); })
      .then(function (sub) { if (sub) { show("on"); } }).catch(function () {});
    subscribe.addEventListener("click", function () {
      busy();
      Notification.requestPermission().then(function (permission) {
        if (permission !== "granted") { show("denied"); return null; }
        return navigator.serviceWorker.ready.then(function (reg) {
          return reg.pushManager.getSubscription().then(function (existing) {
            return existing || reg.pushManager.subscribe({ userVisibleOnly: true, applicationServerKey: keyBytes(root.dataset.key) });
          });
        }).then(register).then(function (answer) { show("on", answer.message); });
      }).catch(function (error) { show("off", (error && error.message) || M.pushFailed); });
    });
    unsubscribe.addEventListener("click", function () {
      busy();
      navigator.serviceWorker.ready.then(function (reg) { return reg.pushManager.getSubscription(); }).then(function (sub) {
        var url = "";
        try { url = localStorage.getItem(STORED) || ""; } catch (e) { url = ""; }
        // Registering again is harmless and tells which device this browser is on our side.
        var known = url ? Promise.resolve(url) : sub ? register(sub).then(function (a) { return a.unsubscribe_url; }) : Promise.resolve("");
        return known.then(function (deviceUrl) {
          // Already removed from the device list: nothing left to forget on our side.
          return deviceUrl ? postJson(deviceUrl).catch(function (e) { if (e.status === 404) { return {}; } throw e; }) : {};
        })
          .then(function (answer) { return (sub ? sub.unsubscribe() : Promise.resolve(true)).then(function () { return answer; }); });
      }).then(function (answer) {
        try { localStorage.removeItem(STORED); } catch (e) { /* private mode */ }
        show("off", answer && answer.message);
      }).catch(function (error) { show("on", (error && error.message) || M.pushFailed); });
    });
  }
  document.querySelectorAll("[data-push]").forEach(setupPush);

  /* --- Service worker ------------------------------------------------------------------------ */
  if ("serviceWorker" in navigator && config.sw) {
    var registerWorker = function () { navigator.serviceWorker.register(config.sw, { scope: config.scope }).catch(function () {}); };
    if (document.readyState === "complete") { registerWorker(); } else { window.addEventListener("load", registerWorker); }
  }
})();
