// Tumbuh dashboard service worker: network first; when the network fails, the last copy of a page this browser
// fetched is shown (read-only). Only pages and the app's own assets are kept: never an export (CSV), never
// sign-in. Sign-in, sign-out and every POST always go to the network. The server clears this
// cache (Clear-Site-Data) at every sign-in and sign-out, so one person's pages never reach the next person.
const CACHE = "tumbuh-pages-v1";
const STATIC = ["/aset/style.css", "/aset/app.js", "/aset/icon-192.png", "/manifest.webmanifest"];

self.addEventListener("install", function (event) {
  event.waitUntil(caches.open(CACHE).then(function (cache) { return cache.addAll(STATIC); }));
  self.skipWaiting();
});

self.addEventListener("activate", function (event) {
  event.waitUntil(self.clients.claim());
});

self.addEventListener("fetch", function (event) {
  const request = event.request;
  const url = new URL(request.url);
  if (request.method !== "GET" || url.origin !== self.location.origin || url.pathname.startsWith("/masuk")) {
    return;
  }
  event.respondWith(
    fetch(request).then(function (response) {
      const type = response.headers.get("Content-Type") || "";
      const keep = type.startsWith("text/html") || url.pathname.startsWith("/aset/");
      if (response.ok && !response.redirected && keep) {
        const copy = response.clone();
        caches.open(CACHE).then(function (cache) { cache.put(request, copy); });
      }
      return response;
    }).catch(function () {
      return caches.match(request).then(function (cached) { return cached || Response.error(); });
    })
  );
});
