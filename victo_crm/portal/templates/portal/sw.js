/* Service worker of the citizen portal ({{ version }}). Public pages and static files only:
   pages with personal data are never cached on the device. */
const CACHE = "victo-portal-{{ version }}";
const OFFLINE_URL = {{ offline_url_json|safe }};
const PRECACHE = {{ precache_json|safe }};

self.addEventListener("install", (event) => {
  event.waitUntil(caches.open(CACHE).then((cache) => cache.addAll(PRECACHE)).then(() => self.skipWaiting()));
});

self.addEventListener("activate", (event) => {
  event.waitUntil(
    caches.keys().then((keys) => Promise.all(keys.filter((k) => k.startsWith("victo-portal-") && k !== CACHE).map((k) => caches.delete(k))))
      .then(() => self.clients.claim())
  );
});

self.addEventListener("fetch", (event) => {
  const request = event.request;
  if (request.method !== "GET") { return; }  // a POST is kept by the page (IndexedDB), not here
  const url = new URL(request.url);
  if (url.origin !== self.location.origin) { return; }
  if (request.mode === "navigate") {
    event.respondWith(fetch(request).catch(() => caches.match(OFFLINE_URL)));
    return;
  }
  if (url.pathname.startsWith("/static/")) {
    event.respondWith(
      caches.match(request).then((hit) => hit || fetch(request).then((response) => {
        if (response.ok) { const copy = response.clone(); caches.open(CACHE).then((c) => c.put(request, copy)); }
        return response;
      }))
    );
  }
});

/* Push notifications (Web Push, VAPID): the payload is JSON from notifications.channels.webpush
   — {title, body, url, tag, urgent}. The text is shown as text; the URL opened on a click
   must be http(s), so a payload cannot make the device run anything. */
const DEFAULT_TITLE = {{ default_title_json|safe }};
const ICON = {{ icon_json|safe }};
const HOME_URL = {{ home_url_json|safe }};

function safeUrl(value) {
  try {
    const url = new URL(value || HOME_URL, self.location.origin);
    return url.protocol === "https:" || url.protocol === "http:" ? url.href : new URL(HOME_URL, self.location.origin).href;
  } catch (e) {
    return new URL(HOME_URL, self.location.origin).href;
  }
}

self.addEventListener("push", (event) => {
  let data = {};
  if (event.data) {
    try { data = event.data.json() || {}; } catch (e) { data = { body: event.data.text() }; }
  }
  const options = {
    body: typeof data.body === "string" ? data.body : "",
    icon: ICON,
    badge: ICON,
    data: { url: safeUrl(data.url) },
    requireInteraction: Boolean(data.urgent),
  };
  if (typeof data.tag === "string" && data.tag) { options.tag = data.tag; }
  const title = typeof data.title === "string" && data.title ? data.title : DEFAULT_TITLE;
  event.waitUntil(self.registration.showNotification(title, options));
});

self.addEventListener("notificationclick", (event) => {
  event.notification.close();
  const url = safeUrl(event.notification.data && event.notification.data.url);
  event.waitUntil(
    self.clients.matchAll({ type: "window", includeUncontrolled: true }).then((windows) => {
      for (const client of windows) {
        if (client.url === url && "focus" in client) { return client.focus(); }
      }
      return self.clients.openWindow(url);
    })
  );
});
