/* The field app's service worker. /sw.js prepends `self.GL = {version, static, pages, offline}` (field/pwa.py).
 * - App shell (scanner pages, outbox, offline page, CSS/JS/icons): precached, so the app opens with no signal.
 * - Label pages /q/<code>: always asked live; a live answer is kept for a week with the time it was checked.
 *   Offline, a kept page is shown with the banner "离线 — 未联网核验 (checked at HH:MM)"; a code never checked
 *   live gets the offline page, which says it cannot be verified — never a genuine verdict.
 * - Job pages /field/<install|repair|ignite|sell>/<code>/ offline: the offline page with the empty job form;
 *   what is submitted waits in the outbox (outbox.js). Nothing else on the site is touched. */
"use strict";
var SHELL = "gl-shell-" + self.GL.version;
var LABELS = "gl-labels";
var LABEL_MAX_AGE_MS = 7 * 24 * 3600 * 1000;
var NETWORK_TIMEOUT_MS = 8000; // a connection that hangs counts as none
var LABEL_PATH = /^\/q\/([^/]+)\/?$/;
var JOB_START = /^\/field\/(scan|install|repair|ignite|sell)\/$/;

self.addEventListener("install", function (event) {
  event.waitUntil(
    caches.open(SHELL)
      .then(function (cache) { return cache.addAll(self.GL.static.concat(self.GL.pages)); })
      .then(function () { return self.skipWaiting(); })
  );
});

self.addEventListener("activate", function (event) {
  event.waitUntil(
    caches.keys()
      .then(function (names) {
        return Promise.all(names.filter(function (name) {
          return name.indexOf("gl-shell-") === 0 && name !== SHELL;
        }).map(function (name) { return caches.delete(name); }));
      })
      .then(function () { return self.clients.claim(); })
  );
});

function live(request) {
  return new Promise(function (resolve, reject) {
    var timer = setTimeout(function () { reject(new Error("timeout")); }, NETWORK_TIMEOUT_MS);
    fetch(request).then(function (response) { clearTimeout(timer); resolve(response); },
                        function (error) { clearTimeout(timer); reject(error); });
  });
}

function labelKey(code) {
  return self.location.origin + "/q/" + decodeURIComponent(code).toUpperCase();
}

function hhmm(ms) {
  var d = new Date(ms);
  return ("0" + d.getHours()).slice(-2) + ":" + ("0" + d.getMinutes()).slice(-2);
}

function offlinePage() {
  return caches.open(SHELL).then(function (cache) { return cache.match(self.GL.offline); });
}

async function labelPage(request, code) {
  try {
    var response = await live(request);
    if (response.status === 200 || response.status === 404) { // a verdict, not a rate limit or an error page
      var copy = response.clone();
      var headers = new Headers(copy.headers);
      headers.set("X-GL-Checked-At", String(Date.now()));
      var kept = new Response(await copy.text(), { status: copy.status, statusText: copy.statusText, headers: headers });
      await (await caches.open(LABELS)).put(labelKey(code), kept);
    }
    return response;
  } catch (error) {
    var cached = await (await caches.open(LABELS)).match(labelKey(code));
    var checkedAt = cached ? Number(cached.headers.get("X-GL-Checked-At")) : 0;
    if (!cached || Date.now() - checkedAt > LABEL_MAX_AGE_MS) { return offlinePage(); }
    var html = (await cached.text())
      .replace('id="offline-banner" hidden', 'id="offline-banner"')
      .replace("__CHECKED_AT__", hhmm(checkedAt));
    return new Response(html, { status: cached.status, headers: cached.headers });
  }
}

async function fieldPage(request, url) {
  var cache = await caches.open(SHELL);
  try {
    var response = await live(request);
    if (response.status === 200 && !url.search && self.GL.pages.indexOf(url.pathname) >= 0) {
      await cache.put(url.pathname, response.clone()); // keep the shell as fresh as the last visit
    }
    return response;
  } catch (error) {
    var start = JOB_START.exec(url.pathname);
    var typed = url.searchParams.get("serial");
    if (start && typed) { // a typed code with no signal: open its page as the scanner would
      var link = /\/21\/([^/?#]+)/.exec(typed); // a GS1 Digital Link: its serial (the GTIN is checked online)
      var code = encodeURIComponent((link ? decodeURIComponent(link[1]) : typed).trim().toUpperCase().replace(/[\s-]/g, ""));
      return Response.redirect(start[1] === "scan" ? "/q/" + code : "/field/" + start[1] + "/" + code + "/", 302);
    }
    return (await cache.match(url.pathname)) || offlinePage();
  }
}

async function cacheFirst(request) {
  var cached = await caches.match(request, { ignoreSearch: true });
  return cached || fetch(request);
}

self.addEventListener("fetch", function (event) {
  var request = event.request;
  var url = new URL(request.url);
  if (url.origin !== self.location.origin) { return; }
  if (request.method === "POST" && url.pathname === "/accounts/logout/") {
    event.waitUntil(caches.delete(LABELS)); // the next person on this phone does not see what was checked
    return;
  }
  if (request.method !== "GET") { return; }
  if (request.mode === "navigate") {
    var label = LABEL_PATH.exec(url.pathname);
    if (label) { event.respondWith(labelPage(request, label[1])); return; }
    if (url.pathname.indexOf("/field/") === 0) { event.respondWith(fieldPage(request, url)); }
    return;
  }
  if (self.GL.static.indexOf(url.pathname) >= 0) { event.respondWith(cacheFirst(request)); }
});
